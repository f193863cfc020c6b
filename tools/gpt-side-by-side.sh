#!/usr/bin/env bash
# The gpt_char workload (../shared/bench/GPT.md) in Backprop, PyTorch 1.13 and TorchSharp 0.107 on this machine, in
# alternated rounds, then a Markdown table of the medians and ratios and one SVG with the three loss curves.
#   tools/gpt-side-by-side.sh [ITERS] [ROUNDS] [OUTDIR]      (defaults: 2000 iterations, 1 round, ./gpt-side-by-side)
# Needs tools/install-reference.sh once (PyTorch) and NuGet access for TorchSharp-cpu (restored into ~/.nuget).
# PyTorch runs with OPENBLAS_NUM_THREADS=1, as GPT.md section 10 advises for a fair figure (its OpenBLAS thread
# otherwise competes with ATen's for the two cores); `uptime` is recorded before every run.
set -euo pipefail
cd "$(dirname "$0")/.."
iters=${1:-2000}
rounds=${2:-1}
out=${3:-gpt-side-by-side}
shared=${SHARED:-../shared}
mkdir -p "$out"
: >"$out/runs.jsonl"
: >"$out/load.txt"

dotnet build src/Backprop.Cli -c Release -v q -nologo >/dev/null
ts=${TORCHSHARP_ARTIFACTS:-/tmp/torchsharp-reference}
dotnet build -c Release "$shared/bench/torchsharp" --artifacts-path "$ts" -v q -nologo >/dev/null
native="$ts/bin/TorchSharpReference/release/runtimes/linux-x64/native/libLibTorchSharp.so"
python3 "$shared/bench/torchsharp/weaken_glibcxx.py" "$native" >/dev/null
export MOBY_DICK=${MOBY_DICK:-$PWD/$shared/data/moby-dick.txt.gz}

run() {  # name, command...; the JSON line of the run, tagged with the implementation's name
  local name=$1; shift
  echo "$(date -u +%H:%M:%S) $name: $(uptime | sed 's/.*load average: //')" | tee -a "$out/load.txt" >&2
  "$@" | grep '^{' | grep -v -e '"config"' -e '"name":"kernels"' | sed "s/^{/{\"impl\": \"$name\", /" >>"$out/runs.jsonl"
}
for round in $(seq 1 "$rounds"); do
  curve_bp=() curve_pt=()
  if [ "$round" -eq 1 ]; then curve_bp=(--curve "$out/backprop.curve"); fi
  run backprop dotnet src/Backprop.Cli/bin/Release/net10.0/Backprop.Cli.dll bench gpt "$iters" --json "${curve_bp[@]}"
  if [ "$round" -eq 1 ]; then
    run pytorch env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/gpt_reference_curve.py "$out/pytorch.curve" "$iters"
  else
    run pytorch env OPENBLAS_NUM_THREADS=1 /usr/bin/python3 "$shared/bench/torch_reference.py" gpt "$iters"
  fi
  run torchsharp dotnet "$ts/bin/TorchSharpReference/release/TorchSharpReference.dll" gpt "$iters"
done

/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys, os
out = sys.argv[1]
runs = [json.loads(l) for l in open(os.path.join(out, "runs.jsonl"))]
by = {}
for r in runs: by.setdefault(r["impl"], []).append(r)
med = lambda impl, key: statistics.median(r[key] for r in by[impl])
lines = [f"{len(by.get('backprop', []))} round(s), {runs[0]['name']}; medians over rounds. Load: see load.txt.", "",
         "| implementation | ms/iter | val_loss | train_loss | loss_0 | loss_1999-equivalent | threads | Backprop's speed-up |",
         "|---|---:|---:|---:|---:|---:|---:|---:|"]
last = [k for k in runs[0] if k.startswith("loss_")][-1]
for impl in ("backprop", "pytorch", "torchsharp"):
    if impl not in by: continue
    speed = med(impl, "value") / med("backprop", "value")
    lines.append(f"| {impl} | {med(impl, 'value'):.2f} | {med(impl, 'val_loss'):.4f} | {med(impl, 'train_loss'):.4f} | "
                 f"{med(impl, 'loss_0'):.4f} | {med(impl, last):.4f} | {by[impl][0]['threads']} | {speed:.2f}× |")
if "backprop" in by and "bytes_per_step" in by["backprop"][0]:
    lines += ["", f"Backprop steady-state managed allocation: {med('backprop', 'bytes_per_step'):.0f} bytes per training step."]
open(os.path.join(out, "table.md"), "w").write("\n".join(lines) + "\n")
print("\n".join(lines))

# One picture of the loss curves (a 20-iteration moving average over the per-iteration training losses).
curves = {}
for impl in ("backprop", "pytorch"):
    path = os.path.join(out, impl + ".curve")
    if os.path.exists(path):
        v = [float(x) for x in open(path) if x.strip()]
        w = 20
        curves[impl] = [sum(v[max(0, i - w + 1):i + 1]) / len(v[max(0, i - w + 1):i + 1]) for i in range(len(v))]
if curves:
    W, H, L, R, T, B = 720, 420, 60, 20, 30, 50
    n = max(len(c) for c in curves.values())
    lo = min(min(c) for c in curves.values()); hi = max(max(c) for c in curves.values())
    X = lambda i: L + (W - L - R) * i / max(1, n - 1)
    Y = lambda y: T + (H - T - B) * (hi - y) / (hi - lo)
    colors = {"backprop": "#1f77b4", "pytorch": "#d62728"}
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W/2}" y="18" text-anchor="middle">gpt_char training loss (20-iteration moving average)</text>']
    for k in range(6):
        y = lo + (hi - lo) * k / 5
        svg.append(f'<line x1="{L}" x2="{W-R}" y1="{Y(y):.1f}" y2="{Y(y):.1f}" stroke="#ddd"/><text x="{L-6}" y="{Y(y)+4:.1f}" text-anchor="end">{y:.2f}</text>')
    for k in range(5):
        i = (n - 1) * k // 4
        svg.append(f'<text x="{X(i):.1f}" y="{H-B+18}" text-anchor="middle">{i}</text>')
    svg.append(f'<text x="{W/2}" y="{H-10}" text-anchor="middle">iteration</text>')
    for j, (impl, c) in enumerate(curves.items()):
        pts = " ".join(f"{X(i):.1f},{Y(y):.1f}" for i, y in enumerate(c))
        svg.append(f'<polyline fill="none" stroke="{colors[impl]}" stroke-width="1.5" points="{pts}"/>')
        svg.append(f'<text x="{W-R-150}" y="{T+20+16*j}" fill="{colors[impl]}">{impl}: {c[-1]:.4f} at the end</text>')
    svg.append("</svg>")
    open(os.path.join(out, "loss-curves.svg"), "w").write("\n".join(svg))
    print(f"\nloss curves: {os.path.join(out, 'loss-curves.svg')}")
PY
