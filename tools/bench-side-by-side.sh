#!/usr/bin/env bash
# Runs `backprop bench all`, the PyTorch reference (../shared/bench/torch_reference.py) and, when it can be built,
# the TorchSharp reference (../shared/bench/torchsharp: LibTorch 2.10 with MKL) on this machine, in alternated
# rounds, and writes a Markdown table of the medians and of Backprop against the best peer (stdout, or OUT.md).
#   tools/bench-side-by-side.sh [ROUNDS] [OUT.md]       ROUNDS defaults to 5
# Needs tools/install-reference.sh once (PyTorch). TorchSharp: restored from NuGet (TorchSharp-cpu, about 1.4 GB) and
# built into $TORCHSHARP_ARTIFACTS (default /tmp/torchsharp-reference) with the one Debian 12 fix of its README;
# TORCHSHARP=0 leaves it out. BUSY_CORE=1 keeps one core busy with a spinning process for the whole run, the
# "under load" condition (a busy core should slow a product by its share only).
# The FMA peak of the day (tools/fma-peak.c, one and all threads) is measured before and after the rounds, and
# the load average before every run; both go under the table.
# The NativeAOT build of backprop (tools/publish-aot.sh, which CI runs: artifacts/aot/backprop) is a fourth side
# when it exists, with a ratio column of its own; AOT=0 leaves it out, AOT=1 publishes it first if missing
# (x86-64-v4 only, about 1–5 min). It runs the same kernels with the same results; what differs is that nothing is
# compiled inside the timed loops (the JIT build compiles 190–320 methods in its first training step).
# SWEEP=1 runs the GEMM sweep instead of `all`: `backprop bench gemm-sweep`, tools/gemm_sweep.py (PyTorch) and
# tools/gemm-sweep-torchsharp (built into $GEMM_SWEEP_ARTIFACTS, default /tmp/gemm-sweep-torchsharp), square sizes
# 64–2048 and a linear layer's training products, float32 and float64; SWEEP_ARGS (e.g. "--sizes 64,training
# --seconds 0.1") is passed to all three. tools/gemm-side-by-side.sh is the short spelling.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
out=${2:-/dev/stdout}
shared=${SHARED:-../shared}
reference=${TORCH_REFERENCE:-$shared/bench/torch_reference.py}
sweep=${SWEEP:-0}
read -r -a sweep_args <<<"${SWEEP_ARGS:-}"
if [ "$sweep" = 1 ]; then  # the TorchSharp program to build and run
  ts=${GEMM_SWEEP_ARTIFACTS:-/tmp/gemm-sweep-torchsharp} ts_project=tools/gemm-sweep-torchsharp ts_name=GemmSweepTorchSharp
else
  ts=${TORCHSHARP_ARTIFACTS:-/tmp/torchsharp-reference} ts_project=$shared/bench/torchsharp ts_name=TorchSharpReference
fi
ts_bin=$ts/bin/$ts_name/release
work=$(mktemp -d)
busy=
cleanup() { [ -n "$busy" ] && kill "$busy" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && echo "runs kept in $work" >&2 && trap '[ -n "$busy" ] && kill "$busy" 2>/dev/null' EXIT

dotnet build src/Backprop.Cli -c Release -v q -nologo >/dev/null
impls=(backprop pytorch)
aot_bin=${AOT_BINARY:-artifacts/aot/backprop}
if [ "${AOT:-auto}" = 1 ] && [ ! -x "$aot_bin" ]; then
  AOT_LEVELS=x86-64-v4 bash tools/publish-aot.sh "$(dirname "$aot_bin")" >&2
fi
if [ "${AOT:-auto}" != 0 ] && [ -x "$aot_bin" ]; then
  impls+=(backprop-aot)
elif [ "${AOT:-auto}" != 0 ]; then
  echo "bench-side-by-side: no NativeAOT build at $aot_bin (tools/publish-aot.sh makes it, or AOT=1); the table has no NativeAOT column" >&2
fi
if [ "${TORCHSHARP:-1}" != 0 ]; then
  echo "building the TorchSharp side ($ts_project) into $ts (the first restore is large)" >&2
  if dotnet build -c Release "$ts_project" --artifacts-path "$ts" -v q -nologo >"$work/ts-build.log" 2>&1; then
    python3 "$shared/bench/torchsharp/weaken_glibcxx.py" "$ts_bin/runtimes/linux-x64/native/libLibTorchSharp.so" >/dev/null
    impls+=(torchsharp)
  else
    echo "bench-side-by-side: the TorchSharp reference did not build (see below); the table has no TorchSharp column" >&2
    tail -5 "$work/ts-build.log" >&2
  fi
fi
gcc -O3 -march=native -pthread tools/fma-peak.c -o "$work/fma-peak"
"$work/fma-peak" >"$work/peak.jsonl"

if [ "${BUSY_CORE:-0}" = 1 ]; then
  sh -c 'while :; do :; done' &
  busy=$!
  echo "one core kept busy by process $busy" >&2
fi

run() {  # implementation: its `all` (or sweep) JSON lines, tagged with its name; the load before it in load.txt
  local impl=$1
  echo "$(date -u +%H:%M:%S) $impl $(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/load.txt"
  case $sweep:$impl in
    1:backprop) dotnet src/Backprop.Cli/bin/Release/net10.0/Backprop.Cli.dll bench gemm-sweep --json "${sweep_args[@]}" ;;
    1:backprop-aot) "$aot_bin" bench gemm-sweep --json "${sweep_args[@]}" ;;
    1:pytorch) /usr/bin/python3 tools/gemm_sweep.py "${sweep_args[@]}" ;;
    1:torchsharp) dotnet "$ts_bin/$ts_name.dll" "${sweep_args[@]}" ;;
    *:backprop) dotnet src/Backprop.Cli/bin/Release/net10.0/Backprop.Cli.dll bench all --json ;;
    *:backprop-aot) "$aot_bin" bench all --json ;;
    *:pytorch) /usr/bin/python3 "$reference" all ;;
    *:torchsharp) dotnet "$ts_bin/$ts_name.dll" all ;;
  esac | grep '^{' | grep -v -e '"name": *"config"' -e '"name": *"kernels"' | sed "s/^{/{\"side\": \"$impl\", /" >>"$work/runs.jsonl"
}
n=${#impls[@]}
for round in $(seq 1 "$rounds"); do
  # Rotate who goes first, so no implementation always runs on the heels of the same neighbour.
  for k in $(seq 0 $((n - 1))); do
    impl=${impls[$(((round - 1 + k) % n))]}
    echo "round $round of $rounds: $impl" >&2
    run "$impl"
  done
done
"$work/fma-peak" >>"$work/peak.jsonl"

/usr/bin/python3 - "$work" "$rounds" "${BUSY_CORE:-0}" "$sweep" >"$work/table.md" <<'PY'
import json, os, statistics, subprocess, sys
work, rounds, busy, sweep = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4] == "1"
runs = [json.loads(l) for l in open(os.path.join(work, "runs.jsonl"))]
by = {}
for r in runs: by.setdefault((r.get("impl") if r["name"].endswith("_numpy") else r["side"], r["name"]), []).append(r)
impls = [i for i in ("pytorch", "torchsharp", "backprop", "backprop-aot") if any(k[0] == i for k in by)]
ours = [i for i in impls if i.startswith("backprop")]
title = {"pytorch": "PyTorch 1.13", "torchsharp": "TorchSharp 2.10", "backprop": "Backprop", "backprop-aot": "Backprop NativeAOT"}
med = lambda impl, name, key="value": statistics.median(r[key] for r in by[(impl, name)])
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p' | head -1"], capture_output=True, text=True).stdout.strip()
print(("GEMM sweep, M×K·K×N (_xy: n as stored, t stored transposed); each run's figure is itself the median of 5 "
       "timed batches. " if sweep else "")
      + f"Measured on {cpu}, {os.cpu_count()} cores; medians of {rounds} alternated rounds"
      + ("; one core kept busy by another process throughout" if busy else "") + ".\n")
print(f"| {'product' if sweep else 'workload'} | unit | " + " | ".join(title[i] for i in impls) + " | "
      + " | ".join(f"{title[i]} ÷ best peer" for i in ours) + " |")
print("|---|---|" + "---:|" * (len(impls) + len(ours)))
def verdict(mine, name, unit, peers):
    if unit == "GFLOPS":   # higher is better: our speed over the fastest peer's
        ratio = med(mine, name) / max(med(i, name) for i in peers)
        return f"{ratio:.2f}× ({'faster' if ratio >= 1 else 'slower'})"
    ratio = med(mine, name) / min(med(i, name) for i in peers)   # a time: ours over the fastest peer's
    return f"{ratio:.2f}× the time"
for name in dict.fromkeys(r["name"] for r in runs if r["side"] == "backprop"):
    if name.endswith("_numpy"): continue
    have = [i for i in impls if (i, name) in by]
    peers = [i for i in have if not i.startswith("backprop")]
    if not peers: continue
    unit = by[("backprop", name)][0]["unit"]
    cells = [f"{med(i, name):.4g}" if i in have else "–" for i in impls]
    verdicts = [verdict(i, name, unit, peers) if i in have else "–" for i in ours]
    print(f"| {name} | {unit} | " + " | ".join(cells) + " | " + " | ".join(verdicts) + " |")
acc = [(i, med(i, "mlp_epoch", "test_accuracy")) for i in impls if (i, "mlp_epoch") in by and "test_accuracy" in by[(i, "mlp_epoch")][0]]
if acc:
    print("\nmlp_epoch test accuracy: " + ", ".join(f"{title[i]} {a:.4f}" for i, a in acc) + ".")
numpy = sorted({k for k in by if k[1].endswith("_numpy")}, key=lambda k: int(k[1].split("_")[1]))
if numpy:
    print("numpy (OpenBLAS) for reference: " + ", ".join(f"{n} {med(i, n):.4g} GFLOPS" for i, n in numpy) + ".")
peaks = [json.loads(l) for l in open(os.path.join(work, "peak.jsonl"))]
if peaks:
    fmt = lambda name: " and ".join(f"{p['value']:.0f}" for p in peaks if p["name"] == name)
    threads = sorted({int(p["name"].rsplit("_", 1)[1]) for p in peaks})
    print(f"\nFMA peak of the day (tools/fma-peak.c, {peaks[0]['isa']}, before and after the rounds): "
          + "; ".join(f"{t} thread{'s' if t > 1 else ''} {fmt(f'fma_peak_{t}')} GFLOPS" for t in threads) + ".")
print("\nLoad average (1, 5, 15 min) before each run:\n")
for line in open(os.path.join(work, "load.txt")):
    print("    " + line.rstrip())
PY
cat "$work/table.md" >"$out"
