#!/usr/bin/env python
"""Enhance recordings: same as ``senhance-infer`` (``--help`` lists the options; see ``configs/infer.yaml``).

    python scripts/infer.py noisy.wav                       # -> noisy_enhanced.wav next to it
    python scripts/infer.py noisy/ -o enhanced/ --model default
"""
from senhance.cli.infer import main

if __name__ == "__main__":
    main()
