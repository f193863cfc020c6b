#!/usr/bin/env bash
# Installs what the acceptance runs and the side-by-side benchmark need on Debian (not needed by the tests):
# Fashion-MNIST (IDX files in /usr/share/datasets/fashion-mnist), PyTorch with OpenBLAS for the reference figures,
# Graphviz for graph layout, Chromium for looking at the SVG/HTML output (the browser tests drive it too; .ci/run
# installs it for them), and ONNX (libonnx-testdata: the conformance cases the ONNX import is scored on; python3-onnx:
# the library the ONNX fixtures are made with).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
  dataset-fashion-mnist python3-torch python3-numpy libopenblas0-pthread graphviz chromium fonts-dejavu-core \
  libonnx-testdata python3-onnx
echo "installed: fashion-mnist in /usr/share/datasets/fashion-mnist, python3-torch, graphviz, chromium, libonnx-testdata in /usr/share/libonnx-testdata, python3-onnx"
