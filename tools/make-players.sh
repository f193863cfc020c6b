#!/usr/bin/env bash
# Rewrites the step-through players under docs/players (the seed examples of docs/tutorial.md and the two-layer digit
# network; the list is tests/Backprop.Tests/Player/PlayerExamples.cs) with the current code. The same test class
# checks, in every test run, that the committed files are current.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/players
BACKPROP_UPDATE_PLAYERS=1 dotnet test tests/Backprop.Tests -c Release --filter "FullyQualifiedName~PlayerFilesTests" -v q -nologo
ls -l docs/players
