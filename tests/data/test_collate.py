import pytest
import torch

from senhance.data import pad_collate


def test_pads_with_zeros_and_reports_lengths():
    items = [{"noisy": torch.full((1, n), float(n)), "clean": -torch.full((1, n), float(n)), "id": str(n)}
             for n in (4, 7, 1)]
    batch = pad_collate(items)
    assert batch["noisy"].shape == (3, 1, 7) and batch["clean"].shape == (3, 1, 7)
    assert batch["lengths"].dtype == torch.long and batch["lengths"].tolist() == [4, 7, 1]
    assert batch["ids"] == ["4", "7", "1"]
    for b, n in enumerate((4, 7, 1)):
        assert torch.all(batch["noisy"][b, 0, :n] == n) and torch.all(batch["noisy"][b, 0, n:] == 0)
        assert torch.all(batch["clean"][b, 0, :n] == -n) and torch.all(batch["clean"][b, 0, n:] == 0)


def test_rejects_mismatched_items():
    with pytest.raises(ValueError, match="'bad'"):
        pad_collate([{"noisy": torch.zeros(1, 4), "clean": torch.zeros(1, 5), "id": "bad"}])
    with pytest.raises(ValueError, match="empty"):
        pad_collate([])
