"""The fast exact IIR path: a cascade of biquads as block matrix products (see ``sosfilt``).

The cascade is one linear state-space system ``s' = A s + B x``, ``y = C s + D x`` with each
section in a normal basis. For blocks of ``L`` samples, the output is the block's zero-state
response (a lower-triangular Toeplitz matrix of the impulse response) plus the response to the
state at the block start; the states at block boundaries follow ``s[k] = A**L s[k-1] + U[k]``,
solved by :func:`scan` with the same blocking, recursively. Matrices are built in float64 and
the state recursion runs in float64; the two large products run in the signal's dtype.
"""
from __future__ import annotations

import torch
from torch import Tensor

_BLOCK = 64  # samples per block
_SCAN_BLOCK = 4  # steps per block of the state recursion (its cost grows as _SCAN_BLOCK * d**2)


def _section_realization(section: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """One biquad as ``(A (2, 2), B (2,), C (2,), Tinv (2, 2))`` with ``D = b0``.

    Starts from the transposed direct form II (scipy's state) and changes basis with ``T`` so
    that ``A`` is *normal*: a scaled rotation for complex poles (coupled form), diagonal for
    distinct real poles. Powers of a normal ``A`` never grow, which keeps the block recursion
    exact to ~1e-11 even for poles next to z = 1 (the direct form's ``A**k`` grows by many orders
    of magnitude there). ``Tinv`` maps a direct-form state to the new basis.
    """
    b0, b1, b2, _, a1, a2 = section
    one, zero = torch.ones_like(a1), torch.zeros_like(a1)
    A = torch.stack([torch.stack([-a1, one]), torch.stack([-a2, zero])])
    B = torch.stack([b1 - a1 * b0, b2 - a2 * b0])
    C = torch.stack([one, zero])
    disc = float(a1.detach() ** 2 - 4 * a2.detach())
    scale = max(abs(float(a1.detach())), abs(float(a2.detach())), 1e-300)
    if disc < -1e-12 * scale:  # complex pair sigma +- j omega: T = [Re v, Im v], v = (1, lambda + a1)
        omega = torch.sqrt(4 * a2 - a1 * a1) / 2
        T = torch.stack([torch.stack([one, zero]), torch.stack([a1 / 2, omega])])
    elif disc > 1e-12 * scale:  # distinct real poles: eigenvectors (1, lambda + a1)
        root = torch.sqrt(a1 * a1 - 4 * a2)
        T = torch.stack([torch.stack([one, one]), torch.stack([(a1 + root) / 2, (a1 - root) / 2])])
    else:  # a double pole or no recursion: keep the direct form
        return A, B, C, torch.eye(2, dtype=A.dtype, device=A.device)
    det = T[0, 0] * T[1, 1] - T[0, 1] * T[1, 0]
    Tinv = torch.stack([torch.stack([T[1, 1], -T[0, 1]]), torch.stack([-T[1, 0], T[0, 0]])]) / det
    return Tinv @ A @ T, Tinv @ B, C @ T, Tinv


def _state_space(sos: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The cascade as ``s' = A s + B x``, ``y = C s + D x``: ``(d, d), (d,), (d,), ()`` with
    ``d = 2 * n_sections``, plus ``Tinv (d, d)`` that maps scipy's ``zi`` layout (each section's
    transposed direct-form-II state, stacked) to this state."""
    n = sos.shape[0]
    d = 2 * n
    A = sos.new_zeros(d, d)
    B = sos.new_zeros(d)
    C = sos.new_zeros(d)
    D = sos.new_ones(())
    blocks = []
    for i in range(n):
        Ai, Bi, Ci, Tinv = _section_realization(sos[i])
        blocks.append(Tinv)
        b0 = sos[i, 0]
        j = 2 * i
        # the input of section i is C s + D x, the output of the sections before it
        rows = torch.cat([torch.outer(Bi, C[:j]), Ai, sos.new_zeros(2, d - j - 2)], 1)
        A = torch.cat([A[:j], rows, A[j + 2:]])
        B = torch.cat([B[:j], Bi * D, B[j + 2:]])
        C = torch.cat([b0 * C[:j], Ci, C[j + 2:]])
        D = b0 * D
    return A, B, C, D, torch.block_diag(*blocks)


def _powers(M: Tensor, n: int) -> Tensor:
    """``M**0 ... M**n`` stacked: ``(n + 1, d, d)`` (by doubling)."""
    P = torch.eye(M.shape[0], dtype=M.dtype, device=M.device)[None]
    step = M
    P = torch.cat([P, M[None]])
    while P.shape[0] < n + 1:
        step = P[-1] @ M  # M**len(P)
        P = torch.cat([P, step @ P])
    return P[: n + 1]


def scan(U: Tensor, M: Tensor, s0: Tensor) -> Tensor:
    """Solve ``s[k] = M s[k-1] + U[k]`` with ``s[-1] = s0``.

    Shape:
        U: ``(N, K, d)``, M: ``(d, d)``, s0: ``(N, d)``; returns ``(N, K, d)``.
    """
    N, K, d = U.shape
    if K <= _SCAN_BLOCK:
        out, s = [], s0
        for k in range(K):
            s = s @ M.T + U[:, k]
            out.append(s)
        return torch.stack(out, 1)
    L = _SCAN_BLOCK
    nb = -(-K // L)
    P = _powers(M, L)  # (L + 1, d, d)
    # W[i, :, j, :] = M**(i - j) for j <= i: the zero-start response inside a block
    idx = torch.arange(L, device=U.device)
    lag = (idx[:, None] - idx[None, :]).clamp(min=0)
    W = P[lag] * (idx[:, None] >= idx[None, :]).to(M.dtype)[..., None, None]  # (L, L, d, d)
    W = W.permute(0, 2, 1, 3).reshape(L * d, L * d)
    Ub = U if nb * L == K else torch.nn.functional.pad(U, (0, 0, 0, nb * L - K))
    local = (Ub.reshape(N * nb, L * d) @ W.T).reshape(N, nb, L, d)  # (N, nb, L, d)
    ends = scan(local[:, :, -1], P[L], s0)  # (N, nb, d): state at the end of each block
    starts = torch.cat([s0[:, None], ends[:, :-1]], 1)  # (N, nb, d)
    carry = P[1:].permute(2, 0, 1).reshape(d, L * d)  # carry[e, (i, f)] = (M**(i+1))[f, e]
    s = local + (starts.reshape(N * nb, d) @ carry).reshape(N, nb, L, d)
    return s.reshape(N, nb * L, d)[:, :K]


def sosfilt_blocks(x: Tensor, sos: Tensor, zi: Tensor | None) -> Tensor:
    """The fast path on ``(N, T)`` with optional initial state ``zi (N, d)``."""
    N, T = x.shape
    L = min(_BLOCK, T)
    nb = -(-T // L)
    A, B, C, D, Tinv = _state_space(sos.to(torch.float64))
    d = A.shape[0]
    P = _powers(A, L)  # (L + 1, d, d)
    # impulse response h[0] = D, h[n] = C A**(n-1) B
    h = torch.cat([D[None], torch.einsum("e,nef,f->n", C, P[: L - 1], B)])  # (L,)
    idx = torch.arange(L, device=sos.device)
    lag = idx[:, None] - idx[None, :]
    Tm = torch.where(lag >= 0, h[lag.clamp(min=0)], torch.zeros((), dtype=h.dtype))  # (L, L)
    Bm = torch.einsum("jde,e->dj", P[:L].flip(0), B)  # (d, L): state at block end from x[j]
    Cm = torch.einsum("e,ief->if", C, P[:L])  # (L, d): output from the block-start state
    dtype = x.dtype
    X = x if nb * L == T else torch.nn.functional.pad(x, (0, nb * L - T))
    X = X.reshape(N * nb, L)  # (N * nb, L)
    U = (X @ Bm.T.to(dtype)).to(torch.float64).reshape(N, nb, d)  # state at block ends from the block's input
    s0 = x.new_zeros(N, d, dtype=torch.float64) if zi is None else zi.to(torch.float64) @ Tinv.T
    ends = scan(U, P[L], s0)  # (N, nb, d)
    starts = torch.cat([s0[:, None], ends[:, :-1]], 1).to(dtype)  # (N, nb, d)
    Y = X @ Tm.T.to(dtype)  # (N * nb, L): the zero-state response inside each block
    Y = Y.addmm_(starts.reshape(N * nb, d), Cm.T.to(dtype))  # + the response to the block-start state
    return Y.reshape(N, nb * L)[:, :T]
