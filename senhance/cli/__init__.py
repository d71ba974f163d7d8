"""Hydra entry points (``senhance-train``, ...). Each composes a config from the installed
``senhance.configs`` package and calls one library function; library code never sees a DictConfig."""
