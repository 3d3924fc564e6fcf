"""Shared helpers: streaming a signal through the client pipeline, decoding it with pocketsphinx directly."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tolk.app.core.events import Final, SessionEvent, Translation
from tolk.app.pipeline import PipelineOptions, array_source, run_pipeline
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import StreamOptions

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")


def librivox() -> list[tuple[Path, str]]:
    """(wav, reference transcript) of every utterance in Debian's pocketsphinx-testdata."""
    pairs = []
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        match = re.match(r"<s> (.*) </s> \((.*)\)", line.strip())
        if match:
            pairs.append((LIBRIVOX / f"{match.group(2)}.wav", match.group(1)))
    return pairs


@dataclass
class Result:
    finals: list[Final] = field(default_factory=list)
    translations: list[Translation] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(f.text for f in self.finals if f.text)


async def stream_signal(target: str, samples: np.ndarray, targets: tuple[str, ...] = ("es",)) -> Result:
    """Streams a 16 kHz signal as fast as possible (client VAD), collecting finals and translations."""
    result = Result()
    events: list[SessionEvent] = []
    async with InterpreterClient(target) as client:
        options = StreamOptions(source_language="en", target_languages=targets)
        blocks = array_source(samples.astype(np.float32), realtime=False, block_ms=100)
        async for event in run_pipeline(client, options, blocks, PipelineOptions(retry=None)):
            events.append(event)
    result.finals = [e for e in events if isinstance(e, Final)]
    result.translations = [e for e in events if isinstance(e, Translation) and e.is_final]
    return result


def pocketsphinx_direct(samples: np.ndarray) -> str:
    """The whole utterance decoded by a plain pocketsphinx decoder (same bundled model and config).

    Live cepstral-mean normalization, as any streaming recognizer must use: `full_utt=True` (batch CMN
    over the finished utterance) needs the whole utterance before the first frame is decoded, so it
    cannot give partials; it is not the baseline of a live pipeline.
    """
    from tolk.backend.engines.pocketsphinx_asr import new_decoder, to_pcm16

    decoder = new_decoder()
    decoder.start_utt()
    decoder.process_raw(to_pcm16(samples), False, False)
    decoder.end_utt()
    hyp = decoder.hyp()
    return str(hyp.hypstr) if hyp is not None else ""
