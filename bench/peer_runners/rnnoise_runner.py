"""RNNoise on a folder, through PyPI ``pyrnnoise`` (run by the peer's own venv python).

    <venv>/bin/python bench/peer_runners/rnnoise_runner.py NOISY_DIR OUTPUT_DIR [--timing t.json]

``pyrnnoise`` ships xiph's ``librnnoise`` with its built-in model. RNNoise works at 48 kHz on 480-sample
frames of 16-bit-scaled floats: each channel is resampled to 48 kHz, scaled by 32768 and fed frame by
frame through ``rnnoise_process_frame`` (the library's C entry point; pyrnnoise's own frame helper
rounds to int16 and its file API decodes through ffmpeg, so neither is used). The library's output lags
its input by 960 samples (20 ms, measured by cross-correlation against the clean reference): that many
samples are dropped from the start and the signal is fed zeros at the end, so the output is aligned and
as long as the input. A fresh denoiser state is made before each channel, outside the timing.
"""
from __future__ import annotations

import _runner

MODEL_RATE = 48000
DELAY = 960  # output lag of rnnoise_process_frame at 48 kHz
SCALE = 32768.0


def make_enhance():
    import ctypes

    import numpy as np
    from pyrnnoise import rnnoise

    frame = int(rnnoise.FRAME_SIZE)
    pointer = ctypes.POINTER(ctypes.c_float)
    state = {}

    def prepare():
        if "denoiser" in state:
            rnnoise.destroy(state.pop("denoiser"))
        state["denoiser"] = rnnoise.create()

    def at_48k(x):
        n = -(-(len(x) + DELAY) // frame) * frame
        padded = np.zeros(n, np.float32)
        padded[:len(x)] = x * SCALE
        out = np.empty(n, np.float32)
        denoiser = state["denoiser"]
        for i in range(0, n, frame):
            block = padded[i:i + frame]  # contiguous slice of a contiguous array
            rnnoise.lib.rnnoise_process_frame(denoiser, out[i:].ctypes.data_as(pointer), block.ctypes.data_as(pointer))
        return out[DELAY:DELAY + len(x)] / SCALE

    enhance = _runner.at_rate(at_48k, MODEL_RATE)
    enhance.prepare = prepare
    return enhance


if __name__ == "__main__":
    _runner.main(make_enhance, name="rnnoise", description=__doc__.split("\n\n")[0])
