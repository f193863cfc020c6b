#!/usr/bin/env bash
# Runs `backprop bench` and the PyTorch reference script (../shared/bench/torch_reference.py) on this machine,
# several times each, and writes the medians and ratios as a Markdown table (stdout, or the file given).
#   tools/bench-side-by-side.sh [RUNS] [OUT.md]       (needs tools/install-reference.sh once)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
out=${2:-/dev/stdout}
reference=${TORCH_REFERENCE:-../shared/bench/torch_reference.py}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dotnet build src/Backprop.Cli -c Release -v q -nologo >/dev/null
for i in $(seq 1 "$runs"); do
  echo "run $i of $runs: backprop" >&2
  dotnet run --project src/Backprop.Cli -c Release --no-build -- bench all --json >>"$work/backprop.jsonl"
  echo "run $i of $runs: pytorch" >&2
  /usr/bin/python3 "$reference" all >>"$work/torch.jsonl"
done

/usr/bin/python3 - "$work/backprop.jsonl" "$work/torch.jsonl" "$runs" >"$work/table.md" <<'PY'
import json, statistics, sys, platform, subprocess
def load(path):
    by = {}
    for line in open(path):
        line = line.strip()
        if not line.startswith("{"): continue
        r = json.loads(line)
        by.setdefault(r["name"], []).append(r)
    return by
ours, theirs, runs = load(sys.argv[1]), load(sys.argv[2]), sys.argv[3]
cpu = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p' | head -1"], capture_output=True, text=True).stdout.strip()
print(f"Measured on {cpu}, {subprocess.run(['nproc'], capture_output=True, text=True).stdout.strip()} cores; median of {runs} runs each.\n")
print("| workload | unit | Backprop | PyTorch | Backprop advantage |")
print("|---|---|---:|---:|---:|")
for name in ours:
    if name not in theirs: continue
    o = statistics.median(r["value"] for r in ours[name]); t = statistics.median(r["value"] for r in theirs[name])
    unit = ours[name][0]["unit"]
    higher_better = unit == "GFLOPS"
    ratio = (o / t) if higher_better else (t / o)
    extra = ""
    if "test_accuracy" in ours[name][0]:
        extra = f" (acc {statistics.median(r['test_accuracy'] for r in ours[name]):.4f} vs {statistics.median(r['test_accuracy'] for r in theirs[name]):.4f})"
    print(f"| {name} | {unit} | {o:.4g} | {t:.4g} | {ratio:.2f}×{extra} |")
numpy = [n for n in theirs if n.endswith("_numpy")]
if numpy:
    print("\nnumpy (OpenBLAS) for reference: " + ", ".join(f"{n} {statistics.median(r['value'] for r in theirs[n]):.4g} GFLOPS" for n in numpy))
PY
cat "$work/table.md" >"$out"
