#!/usr/bin/env python
"""Enhance recordings: same as ``senhance-infer`` (see ``configs/infer.yaml``).

    python scripts/infer.py input=noisy/ output=enhanced/ model=default
"""
from senhance.cli.infer import main

if __name__ == "__main__":
    main()
