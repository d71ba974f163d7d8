#!/usr/bin/env python
"""Train a model: same as ``senhance-train`` (see ``configs/train.yaml``).

    python scripts/train.py data.speech_dir=speech data.noise_dir=noise trainer.max_steps=2000
    python scripts/train.py data=pairs data.noisy_dir=noisy data.clean_dir=clean
"""
from senhance.cli.train import main

if __name__ == "__main__":
    main()
