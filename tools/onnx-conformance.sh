#!/usr/bin/env bash
# Reruns ONNX's conformance cases (Debian's libonnx-testdata) through the ONNX import and writes the score table
# into docs/onnx.md. Without the package the tests are skipped and the table is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /usr/share/libonnx-testdata/data/node ] || { echo "onnx-conformance: apt-get install libonnx-testdata first" >&2; exit 1; }
BACKPROP_WRITE_ONNX_CONFORMANCE=1 dotnet test tests/Backprop.Tests -c Release \
  --filter "FullyQualifiedName~OnnxConformanceTests.The_published_table_is_the_current_score"
