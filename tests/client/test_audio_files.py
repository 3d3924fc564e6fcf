from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tolk.app.audio.files import iter_audio, probe, read_audio
from tolk.app.core.errors import AudioFileError
from tolk.common.dsp import SAMPLE_RATE_HZ

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "sense-and-sensibility.wav"


def tone(rate: int, seconds: float, channels: int, freq_hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    wave = 0.5 * np.sin(2 * np.pi * freq_hz * t)
    return np.stack([wave * (1 - 0.5 * c) for c in range(channels)], axis=1).astype(np.float32)


@pytest.mark.parametrize(
    ("fmt", "suffix", "rate", "channels"),
    [
        ("WAV", "wav", 44_100, 2),
        ("FLAC", "flac", 48_000, 1),
        ("OGG", "ogg", 22_050, 2),
        ("WAV", "wav", 8000, 6),
    ],
)
def test_any_format_rate_and_channels_become_16k_mono(
    tmp_path: Path, fmt: str, suffix: str, rate: int, channels: int
) -> None:
    path = tmp_path / f"tone.{suffix}"
    sf.write(path, tone(rate, 1.5, channels), rate, format=fmt)
    info = probe(path)
    assert (info.sample_rate_hz, info.channels) == (rate, channels)
    audio = read_audio(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(len(audio) - 1.5 * SAMPLE_RATE_HZ) <= 16
    # downmix averages channels: amplitude is the mean of the per-channel amplitudes
    expected_peak = abs(0.5 * np.mean([1 - 0.5 * c for c in range(channels)]))
    assert np.max(np.abs(audio[2000:-2000])) == pytest.approx(expected_peak, rel=0.08)
    # the pitch survives resampling
    spectrum = np.abs(np.fft.rfft(audio))
    assert np.argmax(spectrum) * SAMPLE_RATE_HZ / len(audio) == pytest.approx(440, abs=3)


def test_16k_file_passes_through_unchanged_in_blocks() -> None:
    blocks = list(iter_audio(SAMPLE, block_ms=100))
    assert all(len(b) == 1600 for b in blocks[:-1])
    original, rate = sf.read(SAMPLE, dtype="float32")
    assert rate == SAMPLE_RATE_HZ
    np.testing.assert_array_equal(np.concatenate(blocks), original)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is plainly not audio\n" * 10, "not a readable audio file"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00garbage", "not a readable audio file"),
        (b"", "not a readable audio file"),
    ],
)
def test_corrupt_or_non_audio_file(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioFileError, match=message):
        read_audio(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioFileError, match="no such file"):
        read_audio(tmp_path / "absent.wav")
    with pytest.raises(AudioFileError, match="is a directory"):
        probe(tmp_path)


def test_file_without_samples(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    sf.write(path, np.zeros((0, 1), np.float32), 16_000)
    with pytest.raises(AudioFileError, match="no audio samples"):
        read_audio(path)
