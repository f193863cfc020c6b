#!/usr/bin/env python3
"""The PyTorch side of `backprop bench hvp`: the same workloads, sizes and timing, one JSON line each.

hvp_mlp: torch.autograd.functional.hvp of the 784-256-128-10 ReLU MLP's cross-entropy on a batch of 64 w.r.t. its
weights, beside one ordinary forward+backward (torch.autograd.grad) of the same loss; also the double-backward form
(grad with create_graph=True, then grad of <g, v>) as "double_backward_ms". jvp_mlp and jvp_elementwise: functorch's
jvp (forward mode with dual tensors) and torch.autograd.functional.jvp (the double-VJP construction) of the same loss
and of exp(tanh(x·sin x)) + sigmoid(x) on 2**20 numbers. Float32, random data, best of 15 interleaved rounds.

    /usr/bin/python3 tools/hvp_reference.py [--threads N]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from functorch import jvp as forward_jvp
from torch.autograd.functional import hvp, jvp as double_vjp_jvp

ROUNDS = 15


def interleaved(calls, *runs):
    """Milliseconds per call of each run: the best of ROUNDS rounds of `calls` calls each, in turn, after a warm-up."""
    best = [float("inf")] * len(runs)
    for r in range(ROUNDS + 1):
        for k, run in enumerate(runs):
            start = time.perf_counter()
            for _ in range(calls):
                run()
            ms = (time.perf_counter() - start) * 1e3 / calls
            if r > 0:
                best[k] = min(best[k], ms)
    return best


def line(name, value, **extra):
    print(json.dumps({"name": name, "value": round(value, 4), "unit": "ms", **{k: round(v, 4) for k, v in extra.items()}}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    sizes = [784, 256, 128, 10]
    params = []
    for i in range(len(sizes) - 1):
        bound = 1 / sizes[i] ** 0.5
        params.append(torch.empty(sizes[i + 1], sizes[i]).uniform_(-bound, bound))
        params.append(torch.empty(sizes[i + 1]).uniform_(-bound, bound))
    params = tuple(params)
    v = tuple(torch.randn_like(p) for p in params)
    x = torch.randn(64, 784)
    labels = torch.randint(0, 10, (64,))

    def loss(*w):
        return F.cross_entropy(F.linear(F.relu(F.linear(F.relu(F.linear(x, w[0], w[1])), w[2], w[3])), w[4], w[5]), labels)

    leaves = tuple(p.clone().requires_grad_() for p in params)

    def forward_backward():
        torch.autograd.grad(loss(*leaves), leaves)

    def double_backward():
        g = torch.autograd.grad(loss(*leaves), leaves, create_graph=True)
        torch.autograd.grad(sum((gi * vi).sum() for gi, vi in zip(g, v)), leaves)

    fb, h, db, fj, dj = interleaved(
        10, forward_backward, lambda: hvp(loss, params, v), double_backward,
        lambda: forward_jvp(loss, params, v), lambda: double_vjp_jvp(loss, params, v))
    line("hvp_mlp", h, forward_backward_ms=fb, ratio=h / fb, double_backward_ms=db, double_backward_ratio=db / fb)
    line("jvp_mlp", fj, forward_backward_ms=fb, ratio=fj / fb, double_vjp_ms=dj, double_vjp_ratio=dj / fb)

    def chain(t):
        return torch.exp(torch.tanh(t * torch.sin(t))) + torch.sigmoid(t)

    z = torch.randn(1 << 20)
    dz = torch.randn_like(z)
    z_leaf = z.clone().requires_grad_()
    ones = torch.ones_like(z)
    cfb, cfj, cdj = interleaved(
        2, lambda: torch.autograd.grad(chain(z_leaf), z_leaf, ones),
        lambda: forward_jvp(chain, (z,), (dz,)), lambda: double_vjp_jvp(chain, (z,), (dz,)))
    line("jvp_elementwise", cfj, forward_backward_ms=cfb, ratio=cfj / cfb, double_vjp_ms=cdj, double_vjp_ratio=cdj / cfb)


if __name__ == "__main__":
    main()
