"""Block processing for long signals: a soft limiter and an overlap-add stream.

Every stream here has the ``Streamer`` interface (``feed((C, n)) -> (C, m)`` ready samples,
``flush() -> (C, r)`` the rest), and the concatenation of everything it returns has the
length of everything fed, aligned with the input. Causal models use their own
``senhance.models.Streamer``; any other enhancer goes through :class:`OverlapAddStream`.
"""
from __future__ import annotations

import math
from typing import Callable

import torch
from torch import Tensor

#: Where :func:`soft_limit` starts bending: -1 dBFS.
DEFAULT_KNEE = 10 ** (-1 / 20)


def soft_limit(x: Tensor, *, knee: float = DEFAULT_KNEE) -> Tensor:
    """Sample-wise soft limiter: identity below ``knee``, smoothly saturating towards 1 above.

    ``y = sign(x) * (knee + (1 - knee) * tanh((|x| - knee) / (1 - knee)))`` where ``|x| > knee``.
    It is continuous with slope 1 at the knee and ``|y| <= 1`` always, so audio is never
    clipped hard nor wrapped. Being sample-wise it gives the same result block by block as
    on the whole file.

    Args:
        x: any shape.
        knee: threshold in (0, 1).

    >>> soft_limit(torch.tensor([0.5, -0.5, 3.0, -100.0])).abs().le(1).all().item()
    True
    >>> soft_limit(torch.tensor([0.5, -0.25])).tolist()
    [0.5, -0.25]
    """
    if not 0 < knee < 1:
        raise ValueError(f"knee={knee} must be inside (0, 1)")
    magnitude = x.abs()
    over = magnitude > knee
    if not bool(over.any()):
        return x
    bent = knee + (1 - knee) * torch.tanh((magnitude - knee) / (1 - knee))
    return torch.where(over, torch.sign(x) * bent, x)


def crossfade_window(length: int, *, dtype=torch.float32) -> Tensor:
    """Raised-cosine fade-in of ``length`` samples; ``w + w.flip(0) == 1`` (constant power sum).

    >>> w = crossfade_window(5)
    >>> torch.allclose(w + w.flip(0), torch.ones(5))
    True
    """
    t = (torch.arange(length, dtype=torch.float64) + 0.5) / max(length, 1)
    return (0.5 - 0.5 * torch.cos(math.pi * t)).to(dtype)


class OverlapAddStream:
    """Run a whole-signal function block by block with context and a crossfade.

    Output piece ``k`` covers input samples ``[k*hop, (k+1)*hop + crossfade)`` and is computed
    from the input widened by ``context`` samples on each side (cut at the signal's ends);
    consecutive pieces are crossfaded over ``crossfade`` samples. For any processing whose
    output depends on the input no further than ``context`` samples away (filters, STFT
    masks, resampling) the result equals whole-signal processing; for anything else the
    crossfade hides the seams. Memory holds at most ``hop + crossfade + 2 * context`` samples.

    Args:
        fn: ``(C, n) -> (C, n)``.
        hop: samples emitted per processed piece.
        crossfade: samples over which pieces are blended.
        context: samples of extra input on each side, discarded after processing.

    Shape:
        ``feed((C, n)) -> (C, m)``; ``flush() -> (C, r)``; total output length == input length.

    >>> s = OverlapAddStream(lambda x: 2 * x, hop=4, crossfade=2, context=1)
    >>> x = torch.arange(10.0).reshape(1, 10)
    >>> torch.equal(torch.cat([s.feed(x[:, :3]), s.feed(x[:, 3:]), s.flush()], -1), 2 * x)
    True
    """

    def __init__(self, fn: Callable[[Tensor], Tensor], *, hop: int, crossfade: int, context: int):
        if hop <= 0 or crossfade < 0 or context < 0:
            raise ValueError(f"hop={hop} must be > 0, crossfade={crossfade} and context={context} >= 0")
        self.fn, self.hop, self.crossfade, self.context = fn, int(hop), int(crossfade), int(context)
        self._buffer: Tensor | None = None  # input from absolute sample self._start
        self._start = 0  # absolute index of self._buffer[..., 0]
        self._next = 0  # absolute index of the next output piece's first sample
        self._tail: Tensor | None = None  # previous piece's last `crossfade` samples
        self._fade = crossfade_window(self.crossfade)

    def _run(self, begin: int, end: int) -> Tensor:
        """Process output range [begin, end) with context; returns (C, end - begin)."""
        lo = max(begin - self.context, self._start)
        hi = min(end + self.context, self._start + self._buffer.shape[-1])
        out = self.fn(self._buffer[:, lo - self._start:hi - self._start])  # (C, hi - lo)
        return out[:, begin - lo:end - lo]

    def _blend(self, piece: Tensor) -> Tensor:
        if self._tail is not None:
            n = self.crossfade
            piece = piece.clone()
            piece[:, :n] = self._tail * self._fade.flip(0) + piece[:, :n] * self._fade
        return piece

    def feed(self, chunk: Tensor) -> Tensor:
        self._buffer = chunk if self._buffer is None else torch.cat([self._buffer, chunk], dim=-1)
        ready = []
        while self._start + self._buffer.shape[-1] >= self._next + self.hop + self.crossfade + self.context:
            piece = self._blend(self._run(self._next, self._next + self.hop + self.crossfade))
            ready.append(piece[:, :self.hop])
            self._tail = piece[:, self.hop:]
            self._next += self.hop
            keep_from = self._next - self.context  # earliest sample the next piece may need
            if keep_from > self._start:
                self._buffer = self._buffer[:, keep_from - self._start:]
                self._start = keep_from
        channels = self._buffer.shape[0]
        return torch.cat(ready, dim=-1) if ready else self._buffer.new_zeros(channels, 0)

    def flush(self) -> Tensor:
        if self._buffer is None:
            raise ValueError("flush() before any feed(): nothing to process")
        end = self._start + self._buffer.shape[-1]
        if end <= self._next:  # nothing left (cannot happen with crossfade > 0)
            return self._buffer.new_zeros(self._buffer.shape[0], 0)
        piece = self._blend(self._run(self._next, end))
        self._buffer, self._tail = None, None
        return piece
