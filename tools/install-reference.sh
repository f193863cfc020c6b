#!/usr/bin/env bash
# Installs what the acceptance runs and the side-by-side benchmark need on Debian (not needed by the tests):
# Fashion-MNIST (IDX files in /usr/share/datasets/fashion-mnist), PyTorch with OpenBLAS for the reference figures,
# Graphviz for graph layout, and Chromium for looking at the SVG/HTML output.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
  dataset-fashion-mnist python3-torch python3-numpy libopenblas0-pthread graphviz chromium fonts-dejavu-core
echo "installed: fashion-mnist in /usr/share/datasets/fashion-mnist, python3-torch, graphviz, chromium"
