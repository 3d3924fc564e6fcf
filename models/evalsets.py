"""Evaluation and training data: speech with transcripts, and sentence pairs.

Formats read:
  speech  a JSONL manifest, one object per line: {"audio": PATH, "text": ..., "language": "en"} (PATH
          relative to the manifest's folder; "path"/"sentence" are accepted too); a LibriSpeech-style
          folder (*.trans.txt lines "ID words", audio ID.flac/.wav beside it); a Common Voice folder
          (test.tsv or validated.tsv with path/sentence/locale columns, audio under clips/).
  text    a TSV file: source TAB target per line; lines starting with # are comments.
Built in: `librivox` (five LibriVox utterances, public domain, from Debian's pocketsphinx-testdata) and
`en-es` (40 everyday sentence pairs written for Tolk, shipped in tolk/models/data).
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tolk.common.errors import InvalidArgument, NotFound

LIBRIVOX_DIR = Path("/usr/share/pocketsphinx/test/data/librivox")
BUILTIN_ASR = "librivox"
BUILTIN_MT = "en-es"
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")


@dataclass(frozen=True)
class SpeechItem:
    """One recording and what was said in it."""

    audio: Path
    text: str
    language: str = "en"


@dataclass(frozen=True)
class PairItem:
    """One sentence and its reference translation."""

    source: str
    target: str


@dataclass(frozen=True)
class EvalSet:
    """A named data set; `name` is what manifests record metrics under (same name = same data).

    Attributes:
        name: "librivox", "en-es", or FILE@SHA8 for a file (its content hash, so edits get a new name).
        kind: "asr" or "mt".
        speech: the recordings (asr).
        pairs: the sentence pairs (mt).
        source_language, target_language: the pairs' languages (mt).
    """

    name: str
    kind: str
    speech: tuple[SpeechItem, ...] = ()
    pairs: tuple[PairItem, ...] = ()
    source_language: str = "en"
    target_language: str = "es"

    def __len__(self) -> int:
        return len(self.speech) if self.kind == "asr" else len(self.pairs)


def data_hash(path: Path) -> str:
    """sha256 of a data file, or of a folder's files (relative paths and contents, in order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def librivox() -> EvalSet:
    """The built-in speech set (needs Debian's pocketsphinx-testdata, installed by ./dev)."""
    listing = LIBRIVOX_DIR / "transcription"
    if not listing.is_file():
        raise NotFound(f"the built-in speech set needs {LIBRIVOX_DIR} (apt install pocketsphinx-testdata)")
    texts: dict[str, str] = {}
    for line in listing.read_text().splitlines():
        words, _, name = line.rpartition("(")
        texts[name.rstrip(") ").strip()] = words.replace("<s>", "").replace("</s>", "").strip().lower()
    items = tuple(SpeechItem(wav, texts[wav.stem]) for wav in sorted(LIBRIVOX_DIR.glob("*.wav")))
    return EvalSet(BUILTIN_ASR, "asr", speech=items)


def builtin_pairs() -> EvalSet:
    text = resources.files("tolk.models").joinpath("data/en-es.tsv").read_text(encoding="utf-8")
    return EvalSet(BUILTIN_MT, "mt", pairs=_parse_pairs(text, "en-es.tsv"))


def _parse_pairs(text: str, where: str) -> tuple[PairItem, ...]:
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        source, tab, target = line.partition("\t")
        if not tab or not source.strip() or not target.strip():
            raise InvalidArgument(f"{where}:{number}: expected 'source<TAB>target'")
        pairs.append(PairItem(source.strip(), target.strip().split("\t")[0]))
    if not pairs:
        raise InvalidArgument(f"{where}: no sentence pairs")
    return tuple(pairs)


def read_pairs(path: Path, source_language: str = "en", target_language: str = "es") -> EvalSet:
    if not path.is_file():
        raise NotFound(f"no such file: {path}")
    pairs = _parse_pairs(path.read_text(encoding="utf-8"), str(path))
    name = f"{path.name}@{data_hash(path)[:8]}"
    return EvalSet(name, "mt", pairs=pairs, source_language=source_language, target_language=target_language)


def _jsonl_speech(path: Path, language: str) -> list[SpeechItem]:
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            audio, text = row.get("audio") or row["path"], row.get("text") or row["sentence"]
        except (ValueError, KeyError, AttributeError):
            raise InvalidArgument(f'{path}:{number}: expected {{"audio": PATH, "text": ...}}') from None
        items.append(SpeechItem(path.parent / audio, str(text), str(row.get("language") or language)))
    return items


def _librispeech(folder: Path, language: str) -> list[SpeechItem]:
    items = []
    for listing in sorted(folder.rglob("*.trans.txt")):
        for line in listing.read_text(encoding="utf-8").splitlines():
            key, _, text = line.partition(" ")
            audio = next((listing.parent / f"{key}{s}" for s in AUDIO_SUFFIXES
                          if (listing.parent / f"{key}{s}").is_file()), None)  # fmt: skip
            if audio is not None and text.strip():
                items.append(SpeechItem(audio, text.strip().lower(), language))
    return items


def _common_voice(folder: Path, language: str) -> list[SpeechItem]:
    table = next((folder / n for n in ("test.tsv", "validated.tsv") if (folder / n).is_file()), None)
    if table is None:
        return []
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    clips = folder / "clips"
    return [SpeechItem(clips / r["path"], r["sentence"], r.get("locale") or language) for r in rows]


def read_speech(path: Path, language: str = "en") -> EvalSet:
    """A speech set from a JSONL manifest or a LibriSpeech / Common Voice folder."""
    if not path.exists():
        raise NotFound(f"no such file or folder: {path}")
    if path.is_dir():
        items = _librispeech(path, language) or _common_voice(path, language)
    else:
        items = _jsonl_speech(path, language)
    if not items:
        raise InvalidArgument(f"{path}: no utterances found (JSONL manifest, LibriSpeech or Common Voice)")
    missing = [item.audio for item in items if not item.audio.is_file()]
    if missing:
        raise NotFound(f"{path}: {len(missing)} audio file(s) missing, e.g. {missing[0]}")
    return EvalSet(f"{path.name}@{data_hash(path)[:8]}", "asr", speech=tuple(items))


def load_set(kind: str, path: Path | None, source: str = "en", target: str = "es") -> EvalSet:
    """The data at PATH, or the built-in set of this kind."""
    if kind == "asr":
        return read_speech(path, source) if path else librivox()
    return read_pairs(path, source, target) if path else builtin_pairs()
