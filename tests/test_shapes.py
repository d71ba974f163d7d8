"""senhance.shapes: input checks, and the caller's kind (numpy/tensor, (time,)/(channels, time), dtype) given back."""
import numpy as np
import pytest
import torch

from senhance.shapes import TypedStream, as_channels_time, audio_kind, pad_or_trim


class Negate:
    """A stream that negates what it is fed and keeps nothing back."""

    def __init__(self):
        self.seen = []

    def feed(self, chunk):
        self.seen.append((chunk.dtype, tuple(chunk.shape)))
        return -chunk

    def flush(self):
        return torch.zeros(0, 0)  # what an empty models.Streamer says


def test_as_channels_time_checks_and_packs():
    assert as_channels_time(np.zeros(4, dtype=np.int16), 8000).shape == (1, 4)
    assert as_channels_time(torch.zeros(2, 3, dtype=torch.float64), 8000).dtype == torch.float32
    for bad, match in [(torch.zeros(1, 1, 3), "shape"), (torch.zeros(0), "0 samples"),
                       (torch.tensor([0.0, float("inf")]), "NaN or Inf")]:
        with pytest.raises(ValueError, match=match):
            as_channels_time(bad, 8000)
    with pytest.raises(ValueError, match="sample_rate=0"):
        as_channels_time(torch.zeros(3), 0)


def test_pad_or_trim():
    x = torch.arange(1.0, 4.0).reshape(1, 3)
    assert pad_or_trim(x, 5).tolist() == [[1.0, 2.0, 3.0, 0.0, 0.0]]
    assert pad_or_trim(x, 2).tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize("value, is_numpy, dtype", [
    (np.zeros(3, dtype=np.float64), True, np.float64), (np.zeros(3, dtype=np.int16), True, np.float32),
    (torch.zeros(3, dtype=torch.float64), False, torch.float64), (torch.zeros(3, dtype=torch.int32), False, torch.float32),
])
def test_restore_gives_the_callers_kind(value, is_numpy, dtype):
    out = audio_kind(value).restore(torch.full((1, 3), 0.5))
    assert isinstance(out, np.ndarray) == is_numpy and out.shape == (3,) and out.dtype == dtype
    assert float(out[0]) == 0.5


def test_typed_stream_frames_and_errors():
    inner = Negate()
    stream = TypedStream(inner)
    out = stream.feed(np.array([1.0, -2.0]))  # (n,) float64 numpy
    assert isinstance(out, np.ndarray) and out.dtype == np.float64 and out.tolist() == [-1.0, 2.0]
    assert inner.seen == [(torch.float32, (1, 2))]  # the wrapped stream always sees float32 (C, n)
    tensor = stream.feed(torch.ones(1, 3, dtype=torch.float64))
    assert isinstance(tensor, torch.Tensor) and tensor.shape == (1, 3) and tensor.dtype == torch.float64
    with pytest.raises(ValueError, match="2 channels, the stream has 1"):
        stream.feed(torch.ones(2, 3))
    with pytest.raises(ValueError, match="NaN"):
        stream.feed(torch.tensor([float("nan")]))
    rest = stream.flush()
    assert isinstance(rest, torch.Tensor) and rest.shape == (1, 0)
    with pytest.raises(ValueError, match="flush\\(\\) before any feed"):
        TypedStream(Negate()).flush()
