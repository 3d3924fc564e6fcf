"""Dictation for records: spoken punctuation and layout commands, numbers and units as clinicians write them.

`DictationDocument` collects the finals of a session and renders them as text: "take five milligrams of
metformin period new paragraph" -> "Take 5 mg of metformin.\\n\\n". Recognizers that already punctuate
(Whisper) or write digits are handled too: their punctuation is kept, spoken commands are still applied.
Commands and number words are per language (English and Spanish here; others pass text through).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# spoken command (lower case, words separated by one space) -> what it writes
COMMANDS: dict[str, dict[str, str]] = {
    "en": {
        "period": ".", "full stop": ".", "comma": ",", "question mark": "?", "exclamation mark": "!",
        "exclamation point": "!", "colon": ":", "semicolon": ";", "new line": "\n", "next line": "\n",
        "new paragraph": "\n\n", "next paragraph": "\n\n", "open parenthesis": "(", "close parenthesis": ")",
        "hyphen": "-", "slash": "/",
    },
    "es": {
        "punto y aparte": "\n\n", "punto y seguido": ".", "punto": ".", "coma": ",", "dos puntos": ":",
        "punto y coma": ";", "signo de interrogación": "?", "nueva línea": "\n", "nuevo párrafo": "\n\n",
        "abrir paréntesis": "(", "cerrar paréntesis": ")",
    },
}  # fmt: skip
UNITS: dict[str, dict[str, str]] = {
    "en": {
        "milligram": "mg", "milligrams": "mg", "microgram": "mcg", "micrograms": "mcg", "gram": "g",
        "grams": "g", "kilogram": "kg", "kilograms": "kg", "milliliter": "mL", "milliliters": "mL",
        "millilitre": "mL", "millilitres": "mL", "liter": "L", "liters": "L", "percent": "%",
        "units": "units", "unit": "unit", "millimeters of mercury": "mmHg", "degrees": "°", "mg": "mg",
        "ml": "mL", "kg": "kg", "tablet": "tablet", "tablets": "tablets", "capsule": "capsule",
        "capsules": "capsules", "drops": "drops", "puffs": "puffs", "times": "times", "hours": "hours",
        "days": "days", "weeks": "weeks", "months": "months", "minutes": "minutes",
    },
    "es": {
        "miligramo": "mg", "miligramos": "mg", "microgramos": "mcg", "gramos": "g", "kilogramos": "kg",
        "mililitros": "mL", "litros": "L", "por ciento": "%", "unidades": "unidades", "grados": "°",
    },
}  # fmt: skip
NUMBERS: dict[str, dict[str, int]] = {
    "en": {
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
        "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
        "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    },
    "es": {
        "cero": 0, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
        "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "quince": 15, "veinte": 20,
        "treinta": 30, "cuarenta": 40, "cincuenta": 50, "cien": 100, "quinientos": 500,
    },
}  # fmt: skip
HUNDRED = {"en": "hundred", "es": "cientos"}
THOUSAND = {"en": "thousand", "es": "mil"}
POINT = {"en": "point", "es": "coma"}
OVER = {"en": "over", "es": "sobre"}
JOINERS = {"en": {"and"}, "es": {"y"}}
ATTACH_LEFT = {".", ",", "?", "!", ":", ";", ")", "%"}
SENTENCE_END = {".", "?", "!"}
MAX_PHRASE_WORDS = 4


@dataclass(frozen=True)
class _Number:
    value: float
    words: int


def _parse_number(words: list[str], start: int, language: str) -> _Number | None:
    """The number spelled at words[start:] ("one hundred and twenty five", "two point five", "5")."""
    table, total, current, i, seen = NUMBERS.get(language, {}), 0, 0, start, False
    while i < len(words):
        word = words[i]
        if re.fullmatch(r"\d+(?:\.\d+)?", word) and not seen:
            return _Number(float(word), 1)
        if word in table:
            current, seen = current + table[word], True
        elif word == HUNDRED.get(language) and seen:
            current *= 100
        elif word == THOUSAND.get(language) and seen:
            total, current = total + current * 1000, 0
        elif word in JOINERS.get(language, set()) and seen and i + 1 < len(words) and words[i + 1] in table:
            pass
        else:
            break
        i += 1
    if not seen:
        return None
    value: float = total + current
    if i + 1 < len(words) and words[i] == POINT.get(language) and words[i + 1] in table:
        value += table[words[i + 1]] / 10 if table[words[i + 1]] < 10 else 0
        i += 2
    return _Number(value, i - start)


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def _match_phrase(words: list[str], start: int, table: dict[str, str]) -> tuple[str, int] | None:
    for size in range(MAX_PHRASE_WORDS, 0, -1):
        phrase = " ".join(words[start : start + size])
        if len(words) - start >= size and phrase in table:
            return table[phrase], size
    return None


def _is_ratio(out: list[str], language: str) -> bool:
    return len(out) >= 2 and out[-1].lower() == OVER.get(language) and bool(re.fullmatch(r"\d+", out[-2]))


def convert(text: str, language: str) -> list[str]:
    """Tokens of `text` after commands and numbers+units: words, digits with units, and punctuation."""
    language = language.split("-")[0].lower()
    raw = text.split()
    words = [re.sub(r"[^\w%°]", "", w.lower()) for w in raw]  # "Period." -> "period"
    commands, units = COMMANDS.get(language, {}), UNITS.get(language, {})
    out: list[str] = []
    i = 0
    while i < len(raw):
        command = _match_phrase(words, i, commands)
        if command is not None:
            out.append(command[0])
            i += command[1]
            continue
        number = _parse_number(words, i, language)
        unit = _match_phrase(words, i + number.words, units) if number else None
        if number is not None and _is_ratio(out, language):  # "130 over eighty" -> "130/80"
            out[-2:] = [f"{out[-2]}/{_number_text(number.value)}"]
            i += number.words
            continue
        if number is not None and (unit is not None or number.words > 1):
            out.append(_number_text(number.value) + (f" {unit[0]}" if unit and unit[0] != "%" else ""))
            out += ["%"] if unit and unit[0] == "%" else []
            i += number.words + (unit[1] if unit else 0)
            continue
        out.append(raw[i])
        i += 1
    return out


def render(tokens: list[str]) -> str:
    """Joins tokens: punctuation sticks to the left, layout breaks lines, sentences start capitalized."""
    parts: list[str] = []
    capital = True
    for token in tokens:
        previous = parts[-1] if parts else ""
        if token in ("\n", "\n\n"):
            parts.append(token)
            capital = True
        elif token in ATTACH_LEFT:
            if not previous.endswith(token):  # "metformin." + spoken "period" -> one period
                parts.append(token)
            capital = capital or token in SENTENCE_END
        else:
            if capital and token[:1].isalpha():
                token = token[0].upper() + token[1:]
            if parts and not previous.endswith(("\n", "(", "/", "-")):
                parts.append(" ")
            parts.append(token)
            capital = token.endswith(tuple(SENTENCE_END))
    return "".join(parts).strip(" ")


@dataclass
class DictationDocument:
    """An editable dictated text: finals are appended; the user may replace the text at any time.

    Attributes:
        language: language of the dictation (its commands and number words).
        tokens: everything dictated so far, converted.
    """

    language: str = "en"
    tokens: list[str] = field(default_factory=list)
    edited: str | None = None

    def add_final(self, text: str) -> None:
        if self.edited is not None:  # after an edit, new speech is appended to the edited text
            self.tokens = [self.edited.rstrip()]
            self.edited = None
        self.tokens += convert(text, self.language)

    def edit(self, text: str) -> None:
        self.edited = text

    @property
    def text(self) -> str:
        return self.edited if self.edited is not None else render(self.tokens)
