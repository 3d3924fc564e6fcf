"""A glossary that recognition and translation both obey: file format, matching, protection for MT.

File format (UTF-8, tab-separated; `.csv` files are comma-separated), one term per line after a header
that names the columns: `source`, then one column per target language code, and an optional `pron`
column with the term's pronunciation (ARPAbet phones for English recognizers):

    source      es              fr              pron
    metformin   metformina      metformine      M EH T F AO R M IH N
    heart attack infarto        infarctus

Empty cells mean "no forced translation into that language". Lines starting with `#` are comments.
Matching is case-insensitive on whole words; the longest term wins where terms overlap.

Protection: before MT each matched term becomes a placeholder (`TERM0X`-like, unique in the text), the
engine translates the rest, and the placeholder is replaced by the forced target term. Engines that mangle
placeholders fall back to translating the text between terms piece by piece (see tolk.backend.glossary_mt),
so the forced term is always present exactly once per occurrence and no source text is lost.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tolk.common.errors import InvalidArgument

MAX_TERMS = 5000
MAX_TERM_CHARS = 200
PLACEHOLDER_STEM = "ZQX"


@dataclass(frozen=True)
class GlossaryTerm:
    """One entry.

    Attributes:
        source: the term as spoken/written in the source language ("heart attack").
        targets: forced translation per target language code ({"es": "infarto"}).
        pronunciation: ARPAbet phones for recognizers that take a dictionary entry, or "".
    """

    source: str
    targets: dict[str, str] = field(default_factory=dict)
    pronunciation: str = ""


@dataclass(frozen=True)
class Match:
    """A term found in a text: [start, end) character span and the term."""

    start: int
    end: int
    term: GlossaryTerm


@dataclass(frozen=True)
class Protected:
    """A text with its terms replaced by placeholders.

    Attributes:
        text: the text to translate.
        slots: (placeholder, source term as written, forced target term) in text order.
    """

    text: str
    slots: tuple[tuple[str, str, str], ...]


class Glossary:
    """Terms with a compiled matcher; immutable once built."""

    def __init__(self, terms: Iterable[GlossaryTerm]) -> None:
        unique: dict[str, GlossaryTerm] = {}
        for term in terms:
            key = normalize(term.source)
            if not key:
                raise InvalidArgument("a glossary term has an empty source")
            if len(key) > MAX_TERM_CHARS:
                raise InvalidArgument(
                    f"glossary term {key[:40]!r}... is longer than {MAX_TERM_CHARS} characters"
                )
            unique[key] = term
        if len(unique) > MAX_TERMS:
            raise InvalidArgument(f"a glossary holds at most {MAX_TERMS} terms, got {len(unique)}")
        self._terms = unique
        keys = sorted(unique, key=len, reverse=True)
        pattern = "|".join(r"\s+".join(map(re.escape, key.split())) for key in keys)
        self._pattern = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE) if keys else None

    @property
    def terms(self) -> tuple[GlossaryTerm, ...]:
        return tuple(self._terms.values())

    def __len__(self) -> int:
        return len(self._terms)

    def find(self, text: str, target: str | None = None) -> list[Match]:
        """Non-overlapping matches, leftmost-longest; with `target`, only terms forced into it."""
        if self._pattern is None:
            return []
        found = []
        for m in self._pattern.finditer(text):
            term = self._terms[normalize(m.group(0))]
            if target is None or term.targets.get(target):
                found.append(Match(m.start(), m.end(), term))
        return found

    def protect(self, text: str, target: str) -> Protected:
        """Replaces each term forced into `target` by a placeholder that does not occur in `text`."""
        stem = _free_stem(text)
        parts: list[str] = []
        slots: list[tuple[str, str, str]] = []
        last = 0
        for match in self.find(text, target):
            placeholder = f"{stem}{len(slots)}X"
            parts += [text[last : match.start], placeholder]
            slots.append((placeholder, text[match.start : match.end], match.term.targets[target]))
            last = match.end
        parts.append(text[last:])
        return Protected("".join(parts), tuple(slots))

    def split(self, text: str, target: str) -> list[tuple[str, GlossaryTerm | None]]:
        """The text as alternating (plain text, None) and (term as written, term) pieces, in order."""
        pieces: list[tuple[str, GlossaryTerm | None]] = []
        last = 0
        for match in self.find(text, target):
            pieces += [(text[last : match.start], None), (text[match.start : match.end], match.term)]
            last = match.end
        pieces.append((text[last:], None))
        return [piece for piece in pieces if piece[0] or piece[1] is not None]


def restore(translated: str, slots: Sequence[tuple[str, str, str]]) -> str | None:
    """Puts the target terms back in one pass; None when a placeholder is missing or repeated."""
    if not slots:
        return translated
    targets = {placeholder.lower(): target for placeholder, _, target in slots}
    pattern = re.compile("|".join(re.escape(p) for p in targets), re.IGNORECASE)
    found = [m.group(0).lower() for m in pattern.finditer(translated)]
    if sorted(found) != sorted(targets):
        return None
    return pattern.sub(lambda m: targets[m.group(0).lower()], translated)


def normalize(term: str) -> str:
    return " ".join(term.lower().split())


def _free_stem(text: str) -> str:
    """A placeholder stem that occurs nowhere in `text` (so restoring never touches the user's words)."""
    stem = PLACEHOLDER_STEM
    while stem.lower() in text.lower():
        stem += "Q"
    return stem


def load_glossary(path: str | Path) -> Glossary:
    """Reads a glossary file (see the module docstring); raises InvalidArgument with the line at fault."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidArgument(f"cannot read glossary {path}: {exc}") from exc
    return parse_glossary(lines, delimiter="," if path.suffix.lower() == ".csv" else "\t", name=str(path))


def parse_glossary(lines: Iterable[str], delimiter: str = "\t", name: str = "glossary") -> Glossary:
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(lines, delimiter=delimiter), start=1)
        if row and any(cell.strip() for cell in row) and not row[0].lstrip().startswith("#")
    ]
    if not rows:
        return Glossary([])
    header = [cell.strip().lower() for cell in rows[0][1]]
    if not header or header[0] != "source":
        raise InvalidArgument(f"{name}: the first line must be a header starting with 'source'")
    terms = []
    for number, row in rows[1:]:
        if len(row) > len(header):
            raise InvalidArgument(f"{name}:{number}: {len(row)} cells but the header has {len(header)}")
        cells = dict(zip(header, (cell.strip() for cell in row), strict=False))
        targets = {lang: value for lang, value in cells.items() if lang not in ("source", "pron") and value}
        terms.append(GlossaryTerm(cells.get("source", ""), targets, cells.get("pron", "")))
    try:
        return Glossary(terms)
    except InvalidArgument as exc:
        raise InvalidArgument(f"{name}: {exc}") from exc


def format_glossary(terms: Sequence[GlossaryTerm], delimiter: str = "\t") -> str:
    """The terms as a glossary file that `parse_glossary` reads back to the same terms: a header
    (`source`, the target languages in alphabetical order, `pron`), then one line per term."""
    languages = sorted({lang for term in terms for lang in term.targets})
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["source", *languages, "pron"])
    for term in terms:
        targets = [term.targets.get(lang, "") for lang in languages]
        writer.writerow([term.source, *targets, term.pronunciation])
    return out.getvalue()


def save_glossary(path: str | Path, terms: Sequence[GlossaryTerm]) -> Path:
    """Writes a glossary file (comma-separated for `.csv`, else tab-separated); InvalidArgument when the
    terms are not a valid glossary or the file cannot be written."""
    path = Path(path)
    Glossary(terms)  # the same checks as loading: no empty or overlong source, not too many terms
    for term in terms:
        cells = [term.source, *term.targets, *term.targets.values(), term.pronunciation]
        if term.source.lstrip().startswith("#") or any(c != " ".join(c.split()) for c in cells):
            raise InvalidArgument(
                f"glossary term {term.source[:40]!r}: cells cannot start with '#' (a comment), hold line "
                "breaks or tabs, or begin or end with spaces"
            )
    text = format_glossary(terms, "," if path.suffix.lower() == ".csv" else "\t")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidArgument(f"cannot write glossary {path}: {exc}") from exc
    return path


@dataclass(frozen=True)
class WhisperHints:
    """How a glossary biases Whisper: an initial prompt that spells the terms, and hotwords.

    faster-whisper's `transcribe(initial_prompt=..., hotwords=...)` takes both as they are.
    """

    initial_prompt: str
    hotwords: str


def whisper_hints(glossary: Glossary) -> WhisperHints | None:
    """The terms as Whisper context ("Glossary: metformin, heart attack."), or None for an empty glossary."""
    if not len(glossary):
        return None
    words = ", ".join(term.source for term in glossary.terms)
    return WhisperHints(initial_prompt=f"Glossary: {words}.", hotwords=words)


def with_glossary(glossary: Glossary | None, context: str) -> str:
    """A Whisper prompt: the glossary's terms first (so they survive the cut of long context), then the
    earlier text of the speech."""
    hints = whisper_hints(glossary) if glossary is not None else None
    return f"{hints.initial_prompt} {context}".strip() if hints else context
