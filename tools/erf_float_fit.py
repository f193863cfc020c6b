#!/usr/bin/env python3
"""Fits the float32 erf polynomials of src/Backprop/Kernels/ErfMath.cs and measures their error.

    |x| < 1:  erf x = x * S(x^2),                   S of degree 6 on [0, 1]
    |x| >= 1: erf x = 1 - exp(-x^2) * L(|x| - 2.5),  L of degree 11 on [1, 4] (|x| clamped to 4: erf rounds to 1 in
                                                      float beyond 3.92)
Chebyshev least-squares fits (near-minimax) of the exact functions computed with mpmath at 40 digits, evaluated the
way the kernel does (float32 Horner with fused multiply-adds), over 20,500 points in [0, 4.5]. Prints the worst error
in float ulps (2.21 when the coefficients were committed) and the coefficients as C# float literals.
Run with Debian's python3 (numpy and mpmath installed with python3-torch): /usr/bin/python3 tools/erf_float_fit.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40


def fit(f, lo, hi, degree, shift=0.0, n=400):
    k = np.arange(n)
    xs = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / n)
    ys = np.array([float(f(mp.mpf(x))) for x in xs])
    c = np.polynomial.chebyshev.Chebyshev.fit(xs - shift, ys, degree, domain=[lo - shift, hi - shift])
    return c.convert(kind=np.polynomial.Polynomial, domain=[-1, 1], window=[-1, 1]).coef


def horner32(coef, x):
    r = np.float32(coef[-1])
    for c in coef[-2::-1]:
        r = np.float32(np.float64(r) * np.float64(x) + np.float64(np.float32(c)))  # one rounding, as a fused multiply-add
    return r


small = fit(lambda s: mp.erf(mp.sqrt(s)) / mp.sqrt(s) if s > 0 else 2 / mp.sqrt(mp.pi), 0, 1.0, 6)
large = fit(lambda a: mp.erfc(a) * mp.exp(a * a), 1.0, 4.0, 11, shift=2.5)
worst = 0.0
for x in np.concatenate([np.linspace(1e-30, 1e-3, 500), np.linspace(1e-3, 4.5, 20001)]).astype(np.float32):
    if x < 1:
        y = np.float32(x * horner32(small, np.float32(x * x)))
    else:
        c = min(x, np.float32(4.0))
        e = np.float32(np.exp(-np.float64(np.float32(c * c))))
        y = np.float32(1 - np.float32(e * horner32(large, np.float32(c - np.float32(2.5)))))
    exact = mp.erf(mp.mpf(float(x)))
    worst = max(worst, abs(float(y) - float(exact)) / float(np.spacing(np.float32(float(exact)))))
print(f"worst error {worst:.2f} float ulps")
print("S:", ", ".join("%.9ef" % np.float32(c) for c in small))
print("L:", ", ".join("%.9ef" % np.float32(c) for c in large))
