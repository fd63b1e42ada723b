#!/usr/bin/python3
"""Fits the erf polynomials of backends/llvm/math.c (run with the system
python3; needs numpy).

  |x| < 1:       erf(x) = x * P(x^2),                P of degree 5
  1 <= |x| < 4:  erf(x) = 1 - exp(-x^2) * Q(1/|x|),  Q of degree 7

Weighted least squares (weight 1/f, i.e. relative error) on Chebyshev
nodes against Python's double-precision math.erf / math.erfc, then the
result is evaluated in float32 Horner form on a dense grid to report what
the generated code can reach.  Prints the coefficients, lowest power first,
as they appear in math.c."""
import math

import numpy as np

f32 = np.float32


def cheb(a, b, n):
    k = np.arange(n)
    return (a + b) / 2 + (b - a) / 2 * np.cos((2 * k + 1) * np.pi / (2 * n))


def fit(u, y, deg):
    a = np.stack([u ** p for p in range(deg + 1)], 1) / y[:, None]
    c, *_ = np.linalg.lstsq(a, np.ones_like(y), rcond=None)
    return [f32(v) for v in c]


def horner(c, u):
    y = np.full_like(u, c[-1])
    for k in range(len(c) - 2, -1, -1):
        y = (y * u + c[k]).astype(f32)
    return y


x = cheb(1e-4, 1.0, 2000)
p = fit(x * x, np.array([math.erf(v) / v for v in x]), 5)
x = cheb(1.0, 4.0, 3000)
q = fit(1 / x, np.array([math.erfc(v) * math.exp(v * v) for v in x]), 7)
print("P:", ", ".join("%.9e" % v for v in p))
print("Q:", ", ".join("%.9e" % v for v in q))

xs = np.linspace(1e-6, 1.0, 100001).astype(f32)
small = xs * horner(p, (xs * xs).astype(f32))
xl = np.linspace(1.0, 4.0, 100001).astype(f32)
large = f32(1) - np.exp(-(xl * xl).astype(f32)) * horner(q, (f32(1) / xl).astype(f32))
for name, xv, yv in (("small", xs, small), ("large", xl, large)):
    ref = np.array([math.erf(float(v)) for v in xv])
    print(name, "max relative error in float32: %.3g" % np.max(np.abs(yv - ref) / ref))
