"""Inference on recordings: files, folders, long files and real-time streams.

This module is the public face of :mod:`senhance.inference` (one job per file there):

* :func:`enhance_file` - one file, whole or in blocks (bounded memory), keeping its rate,
  channels, length and subtype; ``strength`` dry/wet knob; optional residual; atomic writes.
* :func:`enhance_waveform` - the old name of :meth:`senhance.enhancer.Enhancer.enhance`: a waveform
  in memory, exactly as :func:`enhance_file` would enhance it (same blocks, streaming state, soft
  limit and mix); the evaluation uses it too.
* :func:`enhance_paths` - a file, a folder (recursive) or a glob into a file or mirrored
  folder, with progress bars and a :class:`Summary`; one bad file never stops the rest.
* :class:`StreamingEnhancer` - frames in, frames out, fixed latency, for real-time use
  (what ``enhancer.stream()`` returns, for every enhancer).
* :func:`soft_limit`, :func:`mix` - the clip prevention and the dry/wet mix they share.
* :class:`OverlapAddStream`, :class:`BlockResampler`, :class:`ResampledStreamer` - the block
  machinery behind long files and streams (overlap-add for stateless enhancers, exact block-wise
  resampling); ``ResampleStream`` / ``ResampledStream`` are deprecated aliases of the last two.

It never imports ``senhance.train``.
"""
from senhance.inference.blocks import OverlapAddStream, soft_limit
from senhance.inference.file import DEFAULT_BLOCK_SECONDS, OutputExistsError, enhance_file, residual_path_for
from senhance.inference.paths import NoInputError, Summary, collect_inputs, enhance_paths
from senhance.inference.resample_stream import BlockResampler, ResampledStream, ResampledStreamer, ResampleStream
from senhance.inference.streaming import StreamingEnhancer
from senhance.inference.waveform import block_stream, enhance_waveform, mix

__all__ = ["DEFAULT_BLOCK_SECONDS", "BlockResampler", "NoInputError", "OutputExistsError", "OverlapAddStream",
           "ResampleStream", "ResampledStream", "ResampledStreamer", "StreamingEnhancer", "Summary", "block_stream",
           "collect_inputs", "enhance_file", "enhance_paths", "enhance_waveform", "mix", "residual_path_for",
           "soft_limit"]
