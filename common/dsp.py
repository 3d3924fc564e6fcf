"""Sample conversions and resampling shared by the server and the client pipeline (pure numpy + soxr)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import soxr

SAMPLE_RATE_HZ = 16_000
"""The one rate inside Tolk: the wire protocol's default, the VAD's and every engine's (mono float32)."""

Samples = npt.NDArray[np.float32]
"""Mono audio as float32 samples in [-1, 1]."""

PCM16_BYTES_PER_SAMPLE = 2
FLOAT32_BYTES_PER_SAMPLE = 4
_PCM16_SCALE = 32768.0


def pcm16_to_float32(data: bytes) -> Samples:
    """Decodes signed 16-bit little-endian PCM into float32 samples in [-1, 1)."""
    if len(data) % PCM16_BYTES_PER_SAMPLE:
        raise ValueError(f"LINEAR16 audio must have an even number of bytes, got {len(data)}")
    pcm = np.frombuffer(data, dtype="<i2")
    return (pcm.astype(np.float32) / _PCM16_SCALE).astype(np.float32, copy=False)


def float32_to_pcm16(samples: Samples) -> bytes:
    """Encodes float32 samples as signed 16-bit little-endian PCM: the exact inverse of pcm16_to_float32.

    Out-of-range values clip; NaN becomes silence.
    """
    array = np.nan_to_num(np.asarray(samples, dtype=np.float32), nan=0.0, posinf=1.0, neginf=-1.0)
    scaled = np.clip(np.rint(array * _PCM16_SCALE), -32768, 32767)
    return bytes(scaled.astype("<i2").tobytes())


def bytes_to_float32(data: bytes) -> Samples:
    """Decodes 32-bit little-endian float PCM."""
    if len(data) % FLOAT32_BYTES_PER_SAMPLE:
        raise ValueError(f"FLOAT32 audio must be a multiple of 4 bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def resample(samples: Samples, from_hz: int, to_hz: int) -> Samples:
    """Resamples a whole mono signal (returns the input unchanged when the rates match)."""
    if from_hz == to_hz:
        return np.asarray(samples, dtype=np.float32)
    out = soxr.resample(np.asarray(samples, dtype=np.float32), from_hz, to_hz)
    return np.asarray(out, dtype=np.float32)


class StreamResampler:
    """Resamples a mono stream chunk by chunk without clicks at chunk borders."""

    def __init__(self, from_hz: int, to_hz: int) -> None:
        self._passthrough = from_hz == to_hz
        self._stream = None if self._passthrough else soxr.ResampleStream(from_hz, to_hz, 1, dtype="float32")

    def process(self, samples: Samples, last: bool = False) -> Samples:
        """Returns the resampled audio available so far; `last=True` drains the filter's tail."""
        if self._stream is None:
            return np.asarray(samples, dtype=np.float32)
        out = self._stream.resample_chunk(np.asarray(samples, dtype=np.float32), last=last)
        return np.asarray(out, dtype=np.float32)
