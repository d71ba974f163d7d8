"""Datasets for training: paired folders, speech + noise mixed on the fly, manifests, splits, collate.

Every item is ``{"noisy": (1, T) float32, "clean": (1, T) float32, "id": str}`` at the model's
sample rate; :func:`pad_collate` batches items of different lengths.
"""
from senhance.data.collate import pad_collate
from senhance.data.manifest import AudioEntry, DataError, ScanResult, scan_audio
from senhance.data.mix_dataset import MixDataset
from senhance.data.mixing_math import active_power, level_gain, looped_segment, noise_gain_for_snr, snr_db
from senhance.data.pair_matching import Pair, PairingError, match_pairs
from senhance.data.paired_dataset import PairedDataset
from senhance.data.simulate import MixOptions, simulate
from senhance.data.split import load_split, save_split, select_subset, split_groups

__all__ = [
    "AudioEntry", "DataError", "MixDataset", "MixOptions", "Pair", "PairedDataset", "PairingError",
    "ScanResult", "active_power", "looped_segment", "level_gain", "load_split", "match_pairs",
    "noise_gain_for_snr", "pad_collate", "save_split", "scan_audio", "select_subset", "simulate",
    "snr_db", "split_groups",
]
