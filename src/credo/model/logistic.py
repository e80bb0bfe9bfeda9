"""Ridge logistic regression by Newton's method, in numpy (fast on a million rows x 50).

Few columns and many rows: each Newton step is one weighted Gram matrix (k x k, built in row
chunks so memory stays flat) and a k x k solve; a handful of steps converge.

BLAS runs single-threaded here: these products are small enough that a second thread buys
little, and on a busy machine OpenBLAS's spinning threads made them 20-80x slower.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from threadpoolctl import ThreadpoolController

CHUNK_ROWS = 131_072


def weighted_gram(x: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """X' diag(w) X, summed over row chunks."""
    k = x.shape[1]
    gram = np.zeros((k, k))
    for start in range(0, x.shape[0], CHUNK_ROWS):
        block = x[start : start + CHUNK_ROWS]
        if weights is not None:
            # sqrt-weighting makes the product B'B, which BLAS computes as one syrk.
            block = block * np.sqrt(weights[start : start + CHUNK_ROWS, None])
        gram += block.T @ block
    return gram


@cache
def _blas() -> ThreadpoolController:
    """Found once: each ``threadpool_limits`` call otherwise scans the process's loaded
    libraries again (about 6 ms, an eighth of a scorecard fit on 10,000 rows)."""
    return ThreadpoolController()


def one_blas_thread():
    """A context in which BLAS runs on one thread (small products lose to thread start-up)."""
    return _blas().limit(limits=1, user_api="blas")


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float = 1.0,
    start: tuple[np.ndarray, float] | None = None,
    max_iter: int = 50,
    tol: float = 1e-8,
) -> tuple[np.ndarray, float]:
    """Coefficients and intercept minimising log-loss + l2/2 * |coef|^2 (intercept free).
    Raises NotConverged when the steps do not settle within `max_iter` (only possible with
    l2 = 0, where a separating feature has no finite optimum)."""
    with one_blas_thread():
        return _newton(x, y, l2, start, max_iter, tol)


def _penalised_loss(z: np.ndarray, y: np.ndarray, beta: np.ndarray, penalty: np.ndarray) -> float:
    """Total log-loss at linear predictor z plus the ridge term (log(1 + e^z) without overflow)."""
    return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(penalty * beta * beta))


class NotConverged(ArithmeticError):
    """The Newton iterations did not settle (or left the finite numbers)."""


def _newton(
    x: np.ndarray,
    y: np.ndarray,
    l2: float,
    start: tuple[np.ndarray, float] | None,
    max_iter: int,
    tol: float,
) -> tuple[np.ndarray, float]:
    n, k = x.shape
    design = np.empty((n, k + 1))
    design[:, 0] = 1.0
    design[:, 1:] = x
    beta = np.zeros(k + 1)
    if start is not None:
        beta[1:], beta[0] = start
    else:
        mean = float(np.clip(y.mean(), 1e-9, 1 - 1e-9))
        beta[0] = np.log(mean / (1 - mean))
    penalty = np.full(k + 1, float(l2))
    penalty[0] = 0.0
    z = design @ beta
    loss = _penalised_loss(z, y, beta, penalty)
    scale, step = 0.0, np.zeros(k + 1)
    for _ in range(max_iter):
        with np.errstate(over="ignore"):  # exp overflow gives p = 0, the right limit
            p = 1.0 / (1.0 + np.exp(-z))
        gradient = design.T @ (p - y) + penalty * beta
        hessian = weighted_gram(design, p * (1.0 - p))
        hessian[np.diag_indices_from(hessian)] += penalty + 1e-10
        step = np.linalg.solve(hessian, gradient)
        # A full Newton step can overshoot far when a feature nearly separates the outcome
        # (the curvature vanishes where the fit is sure); halve it until the loss falls.
        slope = float(gradient @ step)
        scale = 1.0
        while True:
            trial = beta - scale * step
            trial_z = design @ trial
            trial_loss = _penalised_loss(trial_z, y, trial, penalty)
            if trial_loss <= loss - 1e-4 * scale * slope or scale < 1e-10:
                break
            scale *= 0.5
        beta, z, loss = trial, trial_z, trial_loss
        if np.max(np.abs(scale * step)) < tol:
            break
    else:
        if np.max(np.abs(scale * step)) > 1e-4:
            raise NotConverged(f"no convergence in {max_iter} Newton steps")
    if not np.all(np.isfinite(beta)):
        raise NotConverged("the coefficients left the finite numbers")
    return beta[1:].copy(), float(beta[0])
