#!/usr/bin/env bash
# The GEMM sweep side by side: `backprop bench gemm-sweep`, tools/gemm_sweep.py (PyTorch 1.13) and
# tools/gemm-sweep-torchsharp (TorchSharp 0.107 / LibTorch 2.10, MKL) in alternated rounds, with the FMA peak of the
# day and the load before every run; a Markdown table of the medians and of Backprop against the best peer.
#   tools/gemm-side-by-side.sh [ROUNDS] [OUT.md]      ROUNDS defaults to 5
# Everything else as tools/bench-side-by-side.sh, which this runs with SWEEP=1: BUSY_CORE=1, TORCHSHARP=0, KEEP=1,
# SWEEP_ARGS="--sizes 64,training --seconds 0.1" for a short check.
exec env SWEEP=1 "$(dirname "$0")/bench-side-by-side.sh" "$@"
