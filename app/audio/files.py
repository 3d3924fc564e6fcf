"""Audio files -> 16 kHz mono float32: WAV, FLAC, OGG (Vorbis/Opus), MP3 and what else libsndfile reads.

Any sample rate and channel count: channels are averaged, then the audio is resampled (tolk.common.dsp).
Files are decoded block by block, so a long recording never sits in memory whole unless `read_audio` is
asked for.
A missing, unreadable, corrupt, non-audio or empty file raises AudioFileError with one clear line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from tolk.app.core.errors import AudioFileError
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples, StreamResampler

BLOCK_MS = 100
"""Decode granularity of `iter_audio`."""


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds before conversion.

    Attributes:
        path: the file.
        format: container name as libsndfile reports it ("WAV", "FLAC", "OGG", ...).
        sample_rate_hz: the file's own sample rate.
        channels: the file's channel count.
        duration_s: length in seconds.
    """

    path: Path
    format: str
    sample_rate_hz: int
    channels: int
    duration_s: float


def _open(path: Path) -> sf.SoundFile:
    if not path.exists():
        raise AudioFileError(f"{path}: no such file")
    if path.is_dir():
        raise AudioFileError(f"{path}: is a directory, not an audio file")
    try:
        return sf.SoundFile(str(path))
    except PermissionError as exc:
        raise AudioFileError(f"{path}: permission denied") from exc
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise AudioFileError(f"{path}: not a readable audio file (WAV, FLAC, OGG or MP3 expected)") from exc


def probe(path: str | Path) -> AudioInfo:
    """Reads the header; raises AudioFileError for a file that is not audio or holds no samples."""
    path = Path(path)
    with _open(path) as handle:
        info = AudioInfo(
            path=path,
            format=handle.format,
            sample_rate_hz=int(handle.samplerate),
            channels=int(handle.channels),
            duration_s=handle.frames / handle.samplerate if handle.samplerate else 0.0,
        )
    if info.sample_rate_hz <= 0 or info.channels <= 0:
        raise AudioFileError(f"{path}: invalid audio header")
    return info


def _to_mono(block: npt.NDArray[np.float32]) -> Samples:
    mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
    return np.ascontiguousarray(mono, dtype=np.float32)


def iter_audio(path: str | Path, block_ms: int = BLOCK_MS) -> Iterator[Samples]:
    """Yields 16 kHz mono float32 blocks of about `block_ms` (the last may be shorter)."""
    path = Path(path)
    handle = _open(path)
    with handle:
        rate = int(handle.samplerate)
        resampler = StreamResampler(rate, SAMPLE_RATE_HZ)
        frames = max(1, rate * block_ms // 1000)
        total = 0
        try:
            for block in handle.blocks(blocksize=frames, dtype="float32", always_2d=True):
                mono = _to_mono(block)
                out = resampler.process(mono)
                total += len(out)
                if len(out):
                    yield out
            tail = resampler.process(np.zeros(0, np.float32), last=True)
            total += len(tail)
            if len(tail):
                yield tail
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise AudioFileError(f"{path}: corrupt audio data ({exc})") from exc
        if total == 0:
            raise AudioFileError(f"{path}: contains no audio samples")


def read_audio(path: str | Path) -> Samples:
    """The whole file as one 16 kHz mono float32 array."""
    blocks = list(iter_audio(path))
    return np.concatenate(blocks).astype(np.float32, copy=False)
