"""Language codes: ISO 639-1 (what Tolk speaks on the wire) <-> ISO 639-3, NLLB-200 (FLORES-200), M2M100."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tolk.common.errors import InvalidArgument, NotFound

# ISO 639-1 -> FLORES-200 code used by NLLB-200 (one script per language: the most common one).
NLLB_CODES: dict[str, str] = {
    "af": "afr_Latn", "am": "amh_Ethi", "ar": "arb_Arab", "as": "asm_Beng", "az": "azj_Latn",
    "ba": "bak_Cyrl", "be": "bel_Cyrl", "bg": "bul_Cyrl", "bn": "ben_Beng", "bo": "bod_Tibt",
    "bs": "bos_Latn", "ca": "cat_Latn", "cs": "ces_Latn", "cy": "cym_Latn", "da": "dan_Latn",
    "de": "deu_Latn", "el": "ell_Grek", "en": "eng_Latn", "eo": "epo_Latn", "es": "spa_Latn",
    "et": "est_Latn", "eu": "eus_Latn", "fa": "pes_Arab", "fi": "fin_Latn", "fo": "fao_Latn",
    "fr": "fra_Latn", "ga": "gle_Latn", "gd": "gla_Latn", "gl": "glg_Latn", "gu": "guj_Gujr",
    "ha": "hau_Latn", "he": "heb_Hebr", "hi": "hin_Deva", "hr": "hrv_Latn", "ht": "hat_Latn",
    "hu": "hun_Latn", "hy": "hye_Armn", "id": "ind_Latn", "ig": "ibo_Latn", "is": "isl_Latn",
    "it": "ita_Latn", "ja": "jpn_Jpan", "jv": "jav_Latn", "ka": "kat_Geor", "kk": "kaz_Cyrl",
    "km": "khm_Khmr", "kn": "kan_Knda", "ko": "kor_Hang", "ky": "kir_Cyrl", "lb": "ltz_Latn",
    "lg": "lug_Latn", "ln": "lin_Latn", "lo": "lao_Laoo", "lt": "lit_Latn", "lv": "lvs_Latn",
    "mg": "plt_Latn", "mi": "mri_Latn", "mk": "mkd_Cyrl", "ml": "mal_Mlym", "mn": "khk_Cyrl",
    "mr": "mar_Deva", "ms": "zsm_Latn", "mt": "mlt_Latn", "my": "mya_Mymr", "nb": "nob_Latn",
    "ne": "npi_Deva", "nl": "nld_Latn", "nn": "nno_Latn", "no": "nob_Latn", "ny": "nya_Latn",
    "oc": "oci_Latn", "or": "ory_Orya", "pa": "pan_Guru", "pl": "pol_Latn", "ps": "pbt_Arab",
    "pt": "por_Latn", "ro": "ron_Latn", "ru": "rus_Cyrl", "sa": "san_Deva", "sd": "snd_Arab",
    "si": "sin_Sinh", "sk": "slk_Latn", "sl": "slv_Latn", "sn": "sna_Latn", "so": "som_Latn",
    "sq": "als_Latn", "sr": "srp_Cyrl", "su": "sun_Latn", "sv": "swe_Latn", "sw": "swh_Latn",
    "ta": "tam_Taml", "te": "tel_Telu", "tg": "tgk_Cyrl", "th": "tha_Thai", "tk": "tuk_Latn",
    "tl": "tgl_Latn", "tr": "tur_Latn", "tt": "tat_Cyrl", "ug": "uig_Arab", "uk": "ukr_Cyrl",
    "ur": "urd_Arab", "uz": "uzn_Latn", "vi": "vie_Latn", "wo": "wol_Latn", "xh": "xho_Latn",
    "yi": "ydd_Hebr", "yo": "yor_Latn", "zh": "zho_Hans", "zu": "zul_Latn",
}  # fmt: skip
FROM_NLLB: dict[str, str] = {code: iso for iso, code in NLLB_CODES.items() if iso != "no"}

# ISO 639-3 (Apertium modes, OPUS-MT names) -> ISO 639-1: the one map of three-letter codes in Tolk.
ISO639_3_TO_1: dict[str, str] = {
    "afr": "af", "ara": "ar", "arg": "an", "bel": "be", "bre": "br", "bul": "bg", "cat": "ca",
    "ces": "cs", "cym": "cy", "dan": "da", "deu": "de", "ell": "el", "eng": "en", "epo": "eo",
    "est": "et", "eus": "eu", "fao": "fo", "fin": "fi", "fra": "fr", "gle": "ga", "glg": "gl",
    "hbs": "sh", "heb": "he", "hin": "hi", "hrv": "hr", "ind": "id", "isl": "is", "ita": "it",
    "kaz": "kk", "kir": "ky", "lav": "lv", "lit": "lt", "mkd": "mk", "mlt": "mt", "msa": "ms",
    "nld": "nl", "nno": "nn", "nob": "nb", "nor": "no", "oci": "oc", "pol": "pl", "por": "pt",
    "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "spa": "es", "sqi": "sq", "srd": "sc",
    "swe": "sv", "tat": "tt", "tur": "tr", "ukr": "uk", "urd": "ur", "uzb": "uz",
}  # fmt: skip


def to_iso1(code: str) -> str:
    """A three-letter code -> ISO 639-1 ("eng" -> "en"); codes without a two-letter form ("ast") stay."""
    return ISO639_3_TO_1.get(code, code)


# ISO 639-1 codes whose M2M100 code differs (M2M100 mostly uses ISO 639-1 already).
M2M_CODES: dict[str, str] = {"nb": "no"}


def to_nllb(iso: str) -> str:
    """ISO 639-1 -> FLORES-200 code; raises NotFound for a language NLLB-200 lacks."""
    try:
        return NLLB_CODES[iso]
    except KeyError:
        raise NotFound(f"language {iso!r} has no NLLB-200 code") from None


def from_nllb(code: str) -> str | None:
    """FLORES-200 code -> ISO 639-1, or None when the language has no two-letter code."""
    return FROM_NLLB.get(code)


def to_m2m(iso: str) -> str:
    """ISO 639-1 -> M2M100 code."""
    return M2M_CODES.get(iso, iso)


def from_m2m(code: str) -> str | None:
    """M2M100 code -> ISO 639-1, or None for a three-letter code (ast, ceb, ilo...)."""
    return code if len(code) == 2 else None


_M2M100_CODES = (
    "af am ar ast az ba be bg bn br bs ca ceb cs cy da de el en es et fa ff fi fr fy ga gd gl gu ha "
    "he hi hr ht hu hy id ig ilo is it ja jv ka kk km kn ko lb lg ln lo lt lv mg mk ml mn mr ms my "
    "ne nl no ns oc or pa pl ps pt ro ru sd si sk sl so sq sr ss su sv sw ta th tl tn tr uk ur uz vi "
    "wo xh yi yo zh zu"
)
M2M100_LANGUAGES = tuple(_M2M100_CODES.split())


def languages(arch: str) -> tuple[str, ...]:
    """ISO 639-1 languages of a multilingual MT architecture ("m2m100" or "nllb")."""
    if arch == "nllb":
        return tuple(sorted(NLLB_CODES))
    return tuple(sorted({code for code in M2M100_LANGUAGES if len(code) == 2} | set(M2M_CODES)))


def model_code(arch: str, iso: str) -> str:
    """The language code a multilingual checkpoint uses for an ISO 639-1 code."""
    if iso not in languages(arch):
        raise NotFound(f"language {iso!r} is not supported by {arch}")
    return to_nllb(iso) if arch == "nllb" else to_m2m(iso)


@dataclass(frozen=True)
class LanguagePair:
    """A translation direction in ISO 639-1 codes, e.g. en -> es."""

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source}-{self.target}"


def require_pair(pairs: Iterable[LanguagePair], source: str | None, target: str, engine: str) -> None:
    """The one language-pair check: raises NotFound unless `engine` translates `source` into `target`.

    A target equal to the source needs no pair; an unknown source (None: detected later) needs some pair
    into `target`.
    """
    pairs = tuple(pairs)
    if source == target:
        return
    if source is None:
        if not any(p.target == target for p in pairs):
            raise NotFound(f"MT engine {engine} cannot translate into {target!r}")
        return
    if not any(p.source == source and p.target == target for p in pairs):
        known = ", ".join(str(p) for p in pairs)
        raise NotFound(f"MT engine {engine} has no pair {source}-{target} (known: {known})")


def language_list(values: Iterable[str]) -> tuple[str, ...]:
    """Languages from repeated and comma-separated flags (`--to es,fr --to de`): trimmed, lower case,
    each once, in the order given."""
    found = (code.strip().lower() for value in values for code in value.split(","))
    return tuple(dict.fromkeys(code for code in found if code))


def language_code(code: str, what: str = "language", example: str = "en") -> str:
    """`code` stripped and lower-cased; InvalidArgument unless it looks like one ("es", "pt-br")."""
    code = code.strip().lower()
    if not code or not code.replace("-", "").isalpha() or len(code) > 12:
        raise InvalidArgument(f"{what} {code!r} is not a language code like {example!r}")
    return code
