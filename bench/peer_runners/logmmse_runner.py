"""``logmmse`` (MMSE log-spectral amplitude estimator) on a folder (run by the peer's own venv python).

    <venv>/bin/python bench/peer_runners/logmmse_runner.py NOISY_DIR OUTPUT_DIR [--timing t.json]

``logmmse.logmmse(x, rate)`` with its defaults (noise estimated from the first 6 frames) at the file's
own rate; it needs float32 input (float64 fails inside it). It drops the last partial frame, so the
output is zero-padded at the end back to the input's length.
"""
from __future__ import annotations

import _runner


def make_enhance():
    import logmmse
    import numpy as np

    def enhance(channel, sample_rate):
        y = np.asarray(logmmse.logmmse(channel.astype(np.float32), sample_rate), dtype=np.float32).reshape(-1)
        return _runner.cut_or_zero_pad(y, len(channel))

    return enhance


if __name__ == "__main__":
    _runner.main(make_enhance, name="logmmse", description=__doc__.split("\n\n")[0])
