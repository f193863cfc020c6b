#!/usr/bin/env bash
# Rewrites the step-through players under docs/players (the seed examples of docs/tutorial.md and the two-layer digit
# network; the list is tests/Backprop.Tests/Player/PlayerExamples.cs) with the current code, and the screenshots of
# them in docs/images (player-*.png; the browser tests take them, in headless Chromium). PlayerFilesTests checks, in
# every test run, that the committed players are current.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p docs/players
BACKPROP_UPDATE_PLAYERS=1 dotnet test tests/Backprop.Tests -c Release --filter "FullyQualifiedName~PlayerFilesTests|FullyQualifiedName~PlayerBrowserTests" -v q -nologo
ls -l docs/players docs/images/player-*.png
