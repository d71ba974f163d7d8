#!/usr/bin/env python
"""Export a model to TorchScript and ONNX: same as ``senhance-export`` (see ``configs/export.yaml``).

    python scripts/export.py default exported/model.onnx
    python scripts/export.py model=default output=exported/
"""
from senhance.cli.export import main

if __name__ == "__main__":
    main()
