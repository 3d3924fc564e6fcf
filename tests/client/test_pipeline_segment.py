"""Client-side segmentation: speech framed by boundaries, chunk sizes, continuous audio for SERVER_VAD."""

import numpy as np

from tolk.app.pipeline import PipelineOptions, array_source, segment
from tolk.app.transport.events import AudioChunk, Boundary
from tolk.common.dsp import pcm16_to_float32

RATE = 16_000


def speechlike(seconds: float, seed: int) -> np.ndarray:
    """Voiced-like signal webrtcvad calls speech: harmonics of a wobbling pitch."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * seconds)) / RATE
    f0 = 140 + 20 * np.sin(2 * np.pi * 3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    wave = sum(np.sin(k * phase) / k for k in range(1, 12))
    return (0.3 * wave / np.max(np.abs(wave)) + 0.01 * rng.standard_normal(len(t))).astype(np.float32)


def conversation() -> np.ndarray:
    silence = np.zeros(RATE, np.float32)
    return np.concatenate([silence, speechlike(1.5, 1), silence, speechlike(1.0, 2), silence])


async def collect(options: PipelineOptions) -> list[AudioChunk | Boundary]:
    return [item async for item in segment(array_source(conversation(), realtime=False), options)]


async def test_client_vad_frames_each_utterance_and_sends_only_speech() -> None:
    items = await collect(PipelineOptions(chunk_ms=50))
    boundaries = [(b.kind, b.t_s) for b in items if isinstance(b, Boundary)]
    assert [kind for kind, _ in boundaries] == ["start", "end", "start", "end"]
    starts = [t for kind, t in boundaries if kind == "start"]
    ends = [t for kind, t in boundaries if kind == "end"]
    assert 0.6 < starts[0] <= 1.0 and 2.5 <= ends[0] < 3.2  # pre-roll before, hangover after
    assert 3.1 < starts[1] <= 3.5 and 4.5 <= ends[1] < 5.1
    chunks = [c for c in items if isinstance(c, AudioChunk)]
    assert all(0 < len(c.pcm16) <= 2 * RATE * 50 // 1000 for c in chunks)
    sent_s = sum(len(c.pcm16) // 2 for c in chunks) / RATE
    assert sent_s == sum(e - s for s, e in zip(starts, ends, strict=True))
    # chunks are contiguous within a segment and lie between its boundaries
    for chunk in chunks:
        assert any(s - 1e-6 <= chunk.t_s < e for s, e in zip(starts, ends, strict=True))


async def test_server_vad_sends_everything_continuously() -> None:
    items = await collect(PipelineOptions(segmentation="server_vad", chunk_ms=100))
    assert all(isinstance(c, AudioChunk) for c in items)
    chunks = [c for c in items if isinstance(c, AudioChunk)]
    audio = np.concatenate([pcm16_to_float32(c.pcm16) for c in chunks])
    assert len(audio) == len(conversation())
    assert np.allclose(audio, conversation(), atol=1 / 16000)
    times = [c.t_s for c in chunks]
    assert times == sorted(times) and times[0] == 0.0
