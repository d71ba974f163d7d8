#!/usr/bin/env python3
"""Compare enhancement systems side by side (same as ``senhance-eval``).

    python scripts/evaluate.py --ref data/clean data/noisy default wiener -o eval
    python scripts/evaluate.py noisy_dir=data/noisy clean_dir=data/clean systems=[default,wiener] output_dir=eval
"""
from senhance.cli.evaluate import main

if __name__ == "__main__":
    main()
