"""Central-difference gradient checking: the independent witness for every backward pass.

    ∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h)

and the relative error ‖g_analytic − g_numeric‖ / max(‖g_analytic‖ + ‖g_numeric‖, tiny).
With float64 and h = 1e-5, a correct gradient gives a relative error around 1e-9 or
smaller; anything above 1e-6 deserves suspicion.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def numerical_gradient(f: Callable[[Array], float], x: Array, h: float = 1e-5) -> Array:
    """Central-difference estimate of ∇f at x. Shape: same as x. `x` is not modified."""
    point = np.array(x, dtype=np.float64, copy=True)
    grad = np.zeros_like(point)
    flat_point = point.reshape(-1)
    flat_grad = grad.reshape(-1)
    for i in range(flat_point.size):
        original = flat_point[i]
        flat_point[i] = original + h
        f_plus = float(f(point))
        flat_point[i] = original - h
        f_minus = float(f(point))
        flat_point[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def central_difference(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """The scalar case: (f(x + h) − f(x − h)) / 2h."""
    return (f(x + h) - f(x - h)) / (2.0 * h)


def relative_error(analytic: Array, numeric: Array) -> float:
    """‖a − n‖ / max(‖a‖ + ‖n‖, 1e-12): scale-free, 0 when the two agree exactly."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    denominator = max(float(np.linalg.norm(a) + np.linalg.norm(n)), 1e-12)
    return float(np.linalg.norm(a - n)) / denominator


def check_gradient(
    f: Callable[[Array], float], grad: Callable[[Array], Array], x: Array, h: float = 1e-5
) -> float:
    """The relative error between `grad(x)` and the central-difference estimate of ∇f(x)."""
    return relative_error(grad(x), numerical_gradient(f, x, h))
