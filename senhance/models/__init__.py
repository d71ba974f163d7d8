"""Mask networks, their serialisation base and the streaming wrapper."""
from senhance.models.bandnet import BandFilterNet
from senhance.models.base import SerializableModule
from senhance.models.frontend import LearnableFrontEnd
from senhance.models.spectral import SpectralMaskModel
from senhance.models.streamer import Streamer

__all__ = ["BandFilterNet", "LearnableFrontEnd", "SerializableModule", "SpectralMaskModel", "Streamer"]
