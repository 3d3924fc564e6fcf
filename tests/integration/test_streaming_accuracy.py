"""Real speech over gRPC through the client pipeline: WER no worse than pocketsphinx alone (+2 points),
and a Spanish translation for every final. Real server on port 0, real engines, real audio."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from integration.helpers import librivox, pocketsphinx_direct, stream_signal
from tolk.app.audio.files import read_audio
from tolk.models.metrics import corpus_wer

pytestmark = pytest.mark.asyncio(loop_scope="module")

WER_MARGIN = 0.02
ESPEAK_SENTENCES = (
    "the weather is nice today",
    "please open the door",
    "where is the train station",
)


def check_translations(finals: list, translations: list) -> None:
    by_segment = {(t.segment_id, t.target_language): t for t in translations}
    for final in finals:
        translation = by_segment.get((final.segment_id, "es"))
        assert translation is not None, f"no Spanish translation for segment {final.segment_id}"
        if final.text:
            assert translation.text.strip(), f"empty translation of {final.text!r}"
            assert translation.text != final.text
    assert len(translations) == len(finals)


async def test_librivox_over_grpc_matches_pocketsphinx(server_target: str) -> None:
    references, streamed, direct = [], [], []
    for path, reference in librivox():
        audio = read_audio(path)
        result = await stream_signal(server_target, audio)
        assert result.finals, f"no final for {path.name}"
        check_translations(result.finals, result.translations)
        assert [f.segment_id for f in result.finals] == list(range(len(result.finals)))
        references.append(reference)
        streamed.append(result.text)
        direct.append(pocketsphinx_direct(audio))
    ours = corpus_wer(zip(references, streamed, strict=True))
    baseline = corpus_wer(zip(references, direct, strict=True))
    assert ours <= baseline + WER_MARGIN, f"streamed WER {ours:.3f} vs pocketsphinx {baseline:.3f}"
    assert ours < 0.5  # sanity: the recognizer heard English, not noise


@pytest.fixture(scope="module")
def espeak_wavs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, str]]:
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.fail("espeak-ng and sox are required (./dev setup installs them)")
    folder = tmp_path_factory.mktemp("espeak")
    out = []
    for index, sentence in enumerate(ESPEAK_SENTENCES):
        raw, wav = folder / f"{index}-raw.wav", folder / f"{index}.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(raw), sentence], check=True)
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(wav)], check=True)
        out.append((wav, sentence))
    return out


async def test_espeak_sentences_over_grpc(server_target: str, espeak_wavs: list[tuple[Path, str]]) -> None:
    references, streamed, direct = [], [], []
    silence = np.zeros(8000, np.float32)
    for path, sentence in espeak_wavs:
        audio = np.concatenate([silence, read_audio(path), silence])
        result = await stream_signal(server_target, audio)
        assert result.finals
        check_translations(result.finals, result.translations)
        references.append(sentence)
        streamed.append(result.text)
        direct.append(pocketsphinx_direct(audio))
    ours, baseline = (
        corpus_wer(zip(references, streamed, strict=True)),
        corpus_wer(zip(references, direct, strict=True)),
    )
    assert ours <= baseline + WER_MARGIN, f"streamed WER {ours:.3f} vs pocketsphinx {baseline:.3f}"
