"""`tolk models pull` end to end against a hub on 127.0.0.1 (tests/neural/fake_hub.py), as a user runs it.

The served checkpoint is a Marian model laid out as Helsinki-NLP/opus-mt-en-de is on the hub (no
tokenizer class anywhere), big enough (13 MB) that huggingface_hub streams its weights in more than one
10 MiB chunk, so a cut connection resumes with a Range request. Each `tolk` runs in a subprocess with
HF_ENDPOINT and HF_HUB_CACHE pointing at the fake hub and a temporary cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import soundfile
from fake_hub import FakeHub, Repo, serve

from tolk.models.quantize import quantize
from tolk.models.store import ModelStore, sha256_file
from tolk.models.synthetic import build_marian_hub_layout

REPO_ID = "Helsinki-NLP/opus-mt-en-de"
WEIGHTS = "model.safetensors"
CHUNK_BYTES = 10 << 20  # huggingface_hub's download chunk: resumes start at a multiple of it
ROOT = Path(__file__).resolve().parents[2]
EXIT_REFUSED, EXIT_UNAVAILABLE = 4, 5


@pytest.fixture(scope="module")
def hub_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_marian_hub_layout(
        tmp_path_factory.mktemp("hub") / "opus-mt-en-de", d_model=64, vocab_size=48000
    )


@pytest.fixture
def hub(hub_repo: Path) -> Iterator[FakeHub]:
    with serve(FakeHub({REPO_ID: Repo(hub_repo)})) as running:
        yield running


def tolk(tmp_path: Path, endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and k != "TRANSFORMERS_OFFLINE"}
    env.update(
        HF_ENDPOINT=endpoint, HF_HUB_CACHE=str(tmp_path / "cache"), TOLK_MODEL_DIR=str(tmp_path / "store")
    )
    command = [sys.executable, "-m", "tolk.app.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=240, cwd=ROOT)


def test_pull_resumes_through_the_cache_and_records_the_commit(
    tmp_path: Path, hub: FakeHub, hub_repo: Path
) -> None:
    small = ["config.json", "tokenizer_config.json", "vocab.json", "source.spm", "target.spm"]
    # 1: the weights' connection keeps dropping: the pull fails as "unreachable", the rest stays cached
    hub.cut_always.add(WEIGHTS)
    first = tolk(tmp_path, hub.url, "models", "pull", REPO_ID)
    assert first.returncode == EXIT_UNAVAILABLE, first.stderr
    assert first.stderr.strip().splitlines()[-1].startswith("tolk models: error: cannot reach the hub")
    assert "Fetching" in first.stderr  # huggingface_hub's progress bar
    fetched_first = [name for name in small if hub.gets(name)]
    assert fetched_first  # the files that finished before the failure (which ones depends on the workers)
    # 2: the network is back but cuts the weights once after 11 MiB: the download resumes from the cache
    hub.cut_always.clear()
    hub.cut_once[WEIGHTS] = 11 << 20
    before = len(hub.requests)
    second = tolk(tmp_path, hub.url, "models", "pull", REPO_ID)
    assert second.returncode == 0, second.stderr
    assert "100%" in second.stderr and "opus-mt-en-de" in second.stdout
    run2 = hub.requests[before:]
    assert not [r for r in run2 if r.method == "GET" and any(r.path.endswith("/" + n) for n in fetched_first)]
    assert all(len(hub.gets(name)) <= 1 for name in small)  # never twice (target.spm = source.spm: 0)
    weights = [r.range for r in run2 if r.method == "GET" and r.path.endswith("/" + WEIGHTS)]
    assert weights == [None, f"bytes={CHUNK_BYTES}-"]
    assert "README.md" not in {r.path.rsplit("/", 1)[-1] for r in hub.requests}  # only what the model needs
    model = ModelStore(tmp_path / "store").get("opus-mt-en-de")
    assert (model.manifest.source, model.manifest.revision) == (REPO_ID, Repo(hub_repo).commit)
    assert model.manifest.files[WEIGHTS].sha256 == sha256_file(hub_repo / WEIGHTS)
    # 3: pulling again finds it in the store and downloads nothing
    before = len(hub.requests)
    third = tolk(tmp_path, hub.url, "models", "pull", REPO_ID, "--no-progress")
    assert third.returncode == 0 and "already in the store" in third.stderr
    assert not [r for r in hub.requests[before:] if "/resolve/" in r.path and r.method == "GET"]


def test_pull_errors_have_their_exit_codes(tmp_path: Path, hub: FakeHub) -> None:
    unknown = tolk(tmp_path, hub.url, "models", "pull", "nobody/no-such-model")
    assert unknown.returncode == EXIT_REFUSED
    assert "no such model on the hub: nobody/no-such-model" in unknown.stderr
    revision = tolk(tmp_path, hub.url, "models", "pull", REPO_ID, "--revision", "v9")
    assert revision.returncode == EXIT_REFUSED, revision.stderr
    closed = tolk(tmp_path, "http://127.0.0.1:9", "models", "pull", REPO_ID)
    assert closed.returncode == EXIT_UNAVAILABLE
    assert len(closed.stderr.strip().splitlines()) == 1 and "cannot reach the hub" in closed.stderr


def test_hub_layout_marian_quantized_to_ct2_translates(tmp_path: Path, hub_repo: Path) -> None:
    """The Marian CT2 tokenizer bug: a hub-layout checkpoint names no tokenizer class, and the CT2
    conversion's config.json no model_type, so AutoTokenizer alone cannot load the int8 model."""
    from transformers import AutoTokenizer

    from tolk.backend.engines.seq2seq_runtime import load_tokenizer

    store = ModelStore(tmp_path / "store")
    store.import_dir(hub_repo, "opus-mt-en-de", source=REPO_ID, revision=Repo(hub_repo).commit)
    assert [m.name for m in quantize(store, "opus-mt-en-de")] == [
        "opus-mt-en-de-int8",
        "opus-mt-en-de-ct2-int8",
    ]
    ct2 = store.get("opus-mt-en-de-ct2-int8").path
    with pytest.raises(ValueError):
        AutoTokenizer.from_pretrained(ct2)
    sentence = "the quick brown fox jumps over the lazy dog"
    assert load_tokenizer(ct2, "marian").encode(sentence) == AutoTokenizer.from_pretrained(hub_repo).encode(
        sentence
    )
    audio, rate = soundfile.read(ROOT / "samples" / "sense-and-sensibility.wav", dtype="float32")
    soundfile.write(tmp_path / "clip.wav", audio[: int(8.3 * rate)], rate)
    options = ["--to", "de", "--asr", "pocketsphinx", "--mt", "seq2seq:opus-mt-en-de-ct2-int8"]
    run = tolk(
        tmp_path, "http://127.0.0.1:9", "translate", str(tmp_path / "clip.wav"), *options, "--format", "jsonl"
    )
    assert run.returncode == 0, run.stderr
    events = [json.loads(line) for line in run.stdout.splitlines()]
    translations = [e for e in events if e.get("type") == "translation"]
    assert translations and all(e["text"] and e["lang"] == "de" for e in translations), events
