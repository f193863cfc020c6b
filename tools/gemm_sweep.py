#!/usr/bin/python3
"""The PyTorch side of `backprop bench gemm-sweep`: the same products, names, data sizes and timing, one JSON line
{"name", "value", "unit"} per product (GFLOPS), after a first {"name": "config", ...} line.

  /usr/bin/python3 tools/gemm_sweep.py [--sizes LIST] [--dtype float32|float64] [--seconds S]

LIST is comma-separated: N (square), MxKxN_xy (op(A) M×K times op(B) K×N; x, y = n as stored or t stored
transposed), "square", "training"; the default is both lists (src/Backprop.Cli/Bench/GemmShape.cs, keep them equal).
Timing (Timing.MedianOfBatches): one warm-up, the runs per batch doubled until a batch takes a tenth of S, scaled
so a batch takes about S, then the median of 5 batches over the runs in each. Two threads, as the other peers on
this two-core machine: torch.set_num_threads(2).
"""
import argparse, json, math, re, sys, time
import torch

SQUARE = [64, 128, 256, 384, 512, 768, 1024, 1536, 2048]
# A linear layer y = x·Wᵀ (x [rows, in], W [out, in]): forward y = x·Wᵀ (nt), dX = G·W (nn), dW = Gᵀ·x (tn),
# for 768 rows 128 → 384 and 64 rows 784 → 256.
TRAINING = [(768, 128, 384, "nt"), (768, 384, 128, "nn"), (384, 768, 128, "tn"),
            (64, 784, 256, "nt"), (64, 256, 784, "nn"), (256, 64, 784, "tn")]
MEASUREMENTS = 5


def parse(text):
    shapes = []
    for entry in (e.strip() for e in text.split(",")):
        if entry == "square": shapes += [(n, n, n, "nn") for n in SQUARE]
        elif entry == "training": shapes += TRAINING
        elif re.fullmatch(r"[0-9]+", entry): shapes.append((int(entry),) * 3 + ("nn",))
        elif m := re.fullmatch(r"([0-9]+)x([0-9]+)x([0-9]+)_([nt][nt])", entry):
            shapes.append((int(m[1]), int(m[2]), int(m[3]), m[4]))
        else: sys.exit(f"gemm_sweep.py: --sizes: '{entry}' is neither a size N nor a shape MxKxN_xy")
    if any(not 1 <= d <= 16384 for s in shapes for d in s[:3]): sys.exit("gemm_sweep.py: dimensions must be between 1 and 16384")
    return shapes


def name(dtype, m, k, n, flags):
    prefix = "d" if dtype == torch.float64 else "s"
    return f"{prefix}gemm_{m}" if m == k == n and flags == "nn" else f"{prefix}gemm_{m}x{k}x{n}_{flags}"


def batch(fn, reps):
    t = time.perf_counter()
    for _ in range(reps): fn()
    return time.perf_counter() - t


def median_of_batches(fn, target):
    fn()
    reps = 1
    while (seconds := batch(fn, reps)) < target / 10 and reps < 1 << 30: reps *= 2
    reps = max(1, math.ceil(reps * target / seconds))
    times = sorted(batch(fn, reps) / reps for _ in range(MEASUREMENTS))
    return times[MEASUREMENTS // 2]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", default="square,training")
    p.add_argument("--dtype", choices=["float32", "float64"])
    p.add_argument("--seconds", type=float, default=0.25)
    args = p.parse_args()
    if not 0 < args.seconds <= 60: sys.exit("gemm_sweep.py: --seconds must be in (0, 60]")
    shapes = parse(args.sizes)
    torch.set_num_threads(2)
    print(json.dumps({"name": "config", "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    dtypes = [getattr(torch, args.dtype)] if args.dtype else [torch.float32, torch.float64]
    for dtype in dtypes:
        for m, k, n, flags in shapes:
            torch.manual_seed(0)
            a = torch.randn(*((k, m) if flags[0] == "t" else (m, k)), dtype=dtype)
            b = torch.randn(*((n, k) if flags[1] == "t" else (k, n)), dtype=dtype)
            op_a = a.t() if flags[0] == "t" else a
            op_b = b.t() if flags[1] == "t" else b
            seconds = median_of_batches(lambda: torch.mm(op_a, op_b), args.seconds)
            print(json.dumps({"name": name(dtype, m, k, n, flags), "value": round(2 * m * k * n / seconds / 1e9, 4),
                              "unit": "GFLOPS"}), flush=True)


if __name__ == "__main__":
    with torch.no_grad():
        main()
