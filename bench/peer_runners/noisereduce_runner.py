"""``noisereduce`` (spectral gating) on a folder (run by the peer's own venv python).

    <venv>/bin/python bench/peer_runners/noisereduce_runner.py NOISY_DIR OUTPUT_DIR [--timing t.json]

``noisereduce.reduce_noise`` with its defaults (non-stationary gating, ``prop_decrease=1.0``) at the
file's own rate, ``n_jobs=1`` (one thread). It keeps the input's length.
"""
from __future__ import annotations

import _runner


def make_enhance():
    import noisereduce

    def enhance(channel, sample_rate):
        return noisereduce.reduce_noise(y=channel, sr=sample_rate, n_jobs=1)

    return enhance


if __name__ == "__main__":
    _runner.main(make_enhance, name="noisereduce", description=__doc__.split("\n\n")[0])
