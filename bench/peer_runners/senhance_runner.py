"""A senhance model on a folder through the same runner loop, for its real-time factor next to the peers.

    .venv/bin/python bench/peer_runners/senhance_runner.py NOISY_DIR OUTPUT_DIR [--timing t.json] [--model default]

Runs in senhance's own environment: ``senhance.load(model)`` and
``senhance.inference.waveform.enhance_waveform`` (the code path of ``senhance-infer`` and
``senhance-eval``) on one thread, timed exactly like the peers (per channel, file I/O excluded).
"""
from __future__ import annotations

import os
import sys

import _runner


def make_enhance():
    import torch

    import senhance
    from senhance.inference.waveform import enhance_waveform

    torch.set_num_threads(1)
    model = os.environ.get("SENHANCE_PEERS_MODEL", "default")
    enhancer = senhance.load(model)

    def enhance(channel, sample_rate):
        with torch.inference_mode():
            return enhance_waveform(enhancer, torch.from_numpy(channel)[None], sample_rate)[0].numpy()

    return enhance


if __name__ == "__main__":
    if "--model" in sys.argv:  # --model NAME: taken out before the shared argument parser sees it
        at = sys.argv.index("--model")
        os.environ["SENHANCE_PEERS_MODEL"] = sys.argv[at + 1]
        del sys.argv[at:at + 2]
    _runner.main(make_enhance, name="senhance", description=__doc__.split("\n\n")[0])
