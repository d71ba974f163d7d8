"""Batch dataset items of different lengths with zero padding and a length vector."""
from __future__ import annotations

import torch


def pad_collate(items: list[dict]) -> dict:
    """Stack items ``{"noisy": (1, T_i), "clean": (1, T_i), "id": str}`` into a padded batch.

    Shape:
        returns ``{"noisy": (B, 1, Tmax), "clean": (B, 1, Tmax), "lengths": (B,) long, "ids": [str]}``;
        samples at or beyond ``lengths[b]`` are zeros.

    >>> a = {"noisy": torch.ones(1, 3), "clean": torch.ones(1, 3), "id": "a"}
    >>> b = {"noisy": torch.ones(1, 5), "clean": torch.ones(1, 5), "id": "b"}
    >>> batch = pad_collate([a, b])
    >>> batch["noisy"].shape, batch["lengths"].tolist(), batch["ids"]
    (torch.Size([2, 1, 5]), [3, 5], ['a', 'b'])
    >>> batch["noisy"][0, 0].tolist()
    [1.0, 1.0, 1.0, 0.0, 0.0]
    """
    if not items:
        raise ValueError("items: cannot collate an empty batch")
    lengths = [item["noisy"].shape[-1] for item in items]
    for item, length in zip(items, lengths):
        if item["clean"].shape != item["noisy"].shape or item["noisy"].dim() != 2:
            raise ValueError(f"item {item.get('id')!r}: noisy {tuple(item['noisy'].shape)} and clean "
                             f"{tuple(item['clean'].shape)} must both be (channels, time) of the same shape")
    channels = items[0]["noisy"].shape[0]
    longest = max(lengths)
    batch = {}
    for key in ("noisy", "clean"):
        out = torch.zeros(len(items), channels, longest, dtype=torch.float32)  # (B, C, Tmax)
        for b, item in enumerate(items):
            out[b, :, : lengths[b]] = item[key]
        batch[key] = out
    batch["lengths"] = torch.tensor(lengths, dtype=torch.long)
    batch["ids"] = [item["id"] for item in items]
    return batch
