"""Closed-vocabulary toy data and tiny from-scratch bases, to show that training learns (tests, docs, bench).

  pairs      English noun phrases and their Spanish translations from a small grammar
             ("two red cats" -> "dos gatos rojos"; "I see two red cats" -> "veo dos gatos rojos"):
             word order and agreement differ, so a model must learn more than a word list.
  speech     espeak-ng speaking single number words with many voices, speeds and pitches; voices are
             split into training and held-out sets, so the test measures unseen speakers.
  bases      random-weight Marian and Whisper-architecture checkpoints sized to train in CPU minutes.

`python -m tolk.models.toydata OUT --store DIR` writes pairs.tsv, eval.tsv, speech/ and imports the
bases `toy-mt` and `toy-asr` into the store.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
from pathlib import Path

NUMBERS = {"two": "dos", "three": "tres", "four": "cuatro", "five": "cinco", "six": "seis",
           "seven": "siete", "eight": "ocho", "nine": "nueve", "ten": "diez"}  # fmt: skip
COLORS = {"red": "rojos", "black": "negros", "white": "blancos", "blue": "azules", "green": "verdes"}
NOUNS = {"cats": "gatos", "dogs": "perros", "books": "libros", "cars": "coches", "glasses": "vasos"}
FRAMES = (("{}", "{}"), ("i see {}", "veo {}"), ("we have {}", "tenemos {}"))
WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
TRAIN_VOICES = ("en", "en-us", "en+m2", "en+m3", "en+f2", "en+f3", "en-us+m4", "en-us+f4")
HELD_OUT_VOICES = ("en+m5", "en-us+f1")
SPEEDS = (140, 175)
PITCHES = (35, 60)
TOY_WINDOW_POSITIONS = 80
"""Encoder positions of the toy Whisper: 160 mel frames, 1.6 s of audio."""
TOY_SPM_VOCAB = 160
"""SentencePiece pieces of the toy Marian: enough for most words of the grammar to be one piece."""


def phrase_pairs() -> list[tuple[str, str]]:
    """Every phrase of the grammar: 9 numbers x 5 colors x 5 nouns x 3 frames = 675 pairs."""
    pairs = []
    for (en_n, es_n), (en_c, es_c), (en_o, es_o) in itertools.product(
        NUMBERS.items(), COLORS.items(), NOUNS.items()
    ):
        for en_frame, es_frame in FRAMES:
            pairs.append((en_frame.format(f"{en_n} {en_c} {en_o}"), es_frame.format(f"{es_n} {es_o} {es_c}")))
    return pairs


def written(pair: tuple[str, str]) -> tuple[str, str]:
    """The pair as a recognizer writes it: capitalized, with a full stop ("I see two red cats.")."""
    return f"{pair[0].capitalize()}.", f"{pair[1].capitalize()}."


def split_pairs(seed: int = 0, train: int = 300, held_out: int = 40) -> tuple[list[tuple[str, str]], ...]:
    """Training and held-out pairs (disjoint phrases); every other pair is in its written form."""
    pairs = [written(pair) if index % 2 else pair for index, pair in enumerate(phrase_pairs())]
    random.Random(seed).shuffle(pairs)
    return pairs[:train], pairs[train : train + held_out]


def write_tsv(path: Path, pairs: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{en}\t{es}\n" for en, es in pairs), encoding="utf-8")
    return path


def speak(text: str, voice: str, speed: int, pitch: int, out: Path) -> Path:
    """One utterance from espeak-ng as a WAV file (22.05 kHz mono)."""
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", str(out), text],
                   check=True, capture_output=True, timeout=30)  # fmt: skip
    return out


def write_speech(folder: Path, voices: tuple[str, ...], name: str) -> Path:
    """A JSONL manifest of every word spoken by every voice, speed and pitch."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for voice, speed, pitch, word in itertools.product(voices, SPEEDS, PITCHES, WORDS):
        wav = speak(
            word, voice, speed, pitch, folder / f"{voice.replace('+', '_')}-{speed}-{pitch}-{word}.wav"
        )
        lines.append(json.dumps({"audio": wav.name, "text": word, "language": "en"}))
    manifest = folder / f"{name}.jsonl"
    manifest.write_text("\n".join(lines) + "\n")
    return manifest


def build_toy_marian(out: Path) -> Path:
    """A random-weight Marian (2 layers, d_model 64) whose vocabulary covers the grammar."""
    from tolk.models.synthetic import build_marian

    corpus = [text for pair in phrase_pairs() for text in (*pair, *written(pair))]
    return build_marian(
        out, d_model=64, layers=2, heads=4, ffn=128, corpus=corpus, spm_vocab_size=TOY_SPM_VOCAB,
        scale_embedding=True, init_std=0.1,  # tokens not drowned by positions
    )  # fmt: skip


def build_toy_whisper(out: Path) -> Path:
    """A random-weight Whisper architecture (2 layers, d_model 64) with a 1.6 s window."""
    from tolk.models.synthetic import WhisperSize, build_whisper

    size = WhisperSize(
        d_model=64, layers=2, heads=2, ffn=128, vocab_size=0, window_positions=TOY_WINDOW_POSITIONS
    )
    return build_whisper(out, size)


def build_bases(work: Path) -> dict[str, Path]:
    return {"toy-mt": build_toy_marian(work / "toy-mt"), "toy-asr": build_toy_whisper(work / "toy-asr")}


def main(argv: list[str] | None = None) -> int:
    import tempfile

    from tolk.models.store import ModelStore

    parser = argparse.ArgumentParser(prog="python -m tolk.models.toydata", description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="folder for pairs.tsv, eval.tsv and speech/")
    parser.add_argument(
        "--store", type=Path, required=True, help="model store to import toy-mt, toy-asr into"
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    train, held_out = split_pairs()
    write_tsv(args.out / "pairs.tsv", train)
    write_tsv(args.out / "eval.tsv", held_out)
    write_speech(args.out / "speech", TRAIN_VOICES, "train")
    write_speech(args.out / "speech", HELD_OUT_VOICES, "eval")
    store = ModelStore(args.store)
    with tempfile.TemporaryDirectory() as work:
        for name, path in build_bases(Path(work)).items():
            print(f"{name}: v{store.import_dir(path, name).manifest.version}")
    print(f"data in {args.out}: pairs.tsv eval.tsv speech/train.jsonl speech/eval.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
