"""`tolk models pull`: download a checkpoint from the Hugging Face Hub into the store, with progress.

Downloads go through huggingface_hub's `snapshot_download` and its cache (HF_HUB_CACHE): a file that
finished downloading is never fetched again, a connection cut in the middle of a file resumes with an
HTTP Range request, and a pinned revision (branch, tag or commit) is honoured. The snapshot is then
imported into the store with its source (the hub id) and the resolved commit recorded in the manifest.
Where the hub cannot be reached, the error is `Unavailable` (`tolk models` exits 5), distinct from an
unknown repository (`NotFound`, exit 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tolk.common.errors import FailedPrecondition, NotFound, TolkError, Unavailable
from tolk.models.store import ModelStore, StoredModel

WANTED_PATTERNS = ["*.json", "*.model", "*.spm", "*.txt", "*.tiktoken"]


@dataclass(frozen=True)
class HubOptions:
    """Where and how to download (built at the entry point from flags and the environment).

    Attributes:
        endpoint: the hub's URL (HF_ENDPOINT); None: huggingface_hub's default, https://huggingface.co.
        cache_dir: huggingface_hub's cache (HF_HUB_CACHE); None: its default, ~/.cache/huggingface/hub.
        progress: show huggingface_hub's progress bars (on stderr).
        max_workers: files downloaded in parallel.
    """

    endpoint: str | None = None
    cache_dir: Path | None = None
    progress: bool = True
    max_workers: int = 4


def default_name(hub_id: str) -> str:
    """openai/whisper-base -> whisper-base."""
    return hub_id.rstrip("/").split("/")[-1]


def _weights_patterns(files: list[str]) -> list[str]:
    """Prefer safetensors; fall back to the PyTorch .bin (never TF/Flax/ONNX weights); CTranslate2's
    model.bin (Systran/faster-whisper-*) when that is all there is."""
    if any(name.endswith(".safetensors") for name in files):
        return ["*.safetensors"]
    if any(name.startswith("pytorch_model") and name.endswith(".bin") for name in files):
        return ["pytorch_model*.bin"]
    return ["model.bin"]


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:160] if text else type(exc).__name__


def _domain_error(exc: Exception, hub_id: str, name: str) -> TolkError:
    """A TolkError for one huggingface_hub/httpx failure: unknown repository, access, or the network."""
    from huggingface_hub import errors

    offline = (
        f"cannot reach the hub for {hub_id} ({type(exc).__name__}: {_reason(exc)}); check the network "
        f"(or HF_ENDPOINT) and run the pull again (finished files are kept in the cache), or download it "
        f"elsewhere and run `tolk models import DIR --name {name}`"
    )
    if isinstance(exc, errors.GatedRepoError):
        return FailedPrecondition(f"{hub_id} is gated: accept its terms on the hub and set HF_TOKEN")
    if isinstance(exc, errors.RepositoryNotFoundError | errors.RevisionNotFoundError):
        return NotFound(f"no such model on the hub: {hub_id} ({_reason(exc)})")
    if isinstance(exc, errors.HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        if status < 500 and status not in (408, 429):
            return FailedPrecondition(f"the hub refused {hub_id}: {_reason(exc)}")
    return Unavailable(offline)


def _already_stored(store: ModelStore, name: str, hub_id: str, commit: str) -> StoredModel | None:
    if name not in store.names():
        return None
    try:
        model = store.get(name)
    except FailedPrecondition:
        return None
    same = model.manifest.source == hub_id and model.manifest.revision == commit
    return store.verify(model) if same else None


def pull(
    store: ModelStore,
    hub_id: str,
    name: str | None = None,
    revision: str | None = None,
    options: HubOptions | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> StoredModel:
    """Downloads HUB_ID at REVISION through the hub cache and imports it as NAME (default: the repo name).

    A store entry NAME with the same source and commit is returned as it is. Raises Unavailable when the
    hub cannot be reached, NotFound for an unknown repository or revision.
    """
    try:
        import huggingface_hub
    except ImportError:
        raise FailedPrecondition("pulling needs huggingface_hub: pip install 'tolk[neural]'") from None
    options = options or HubOptions()
    name = name or default_name(hub_id)
    store.versions(name)  # an invalid NAME fails here, before any download
    try:
        info = huggingface_hub.HfApi(endpoint=options.endpoint).model_info(hub_id, revision=revision)
        commit = str(info.sha)
        present = _already_stored(store, name, hub_id, commit)
        if present is not None:
            say(f"{hub_id} @ {commit[:12]} is already in the store as {name}")
            return present
        files = [sibling.rfilename for sibling in info.siblings or []]
        say(f"pulling {hub_id} @ {commit[:12]} ({revision or 'main'}) into the hub cache")
        path = _download(hub_id, commit, WANTED_PATTERNS + _weights_patterns(files), options)
    except TolkError:
        raise
    except Exception as exc:  # huggingface_hub and httpx errors: see _domain_error
        raise _domain_error(exc, hub_id, name) from exc
    say(f"importing {path} into {store.root} as {name}")
    # the snapshot's files are links into the cached repository's blobs/ (snapshots/COMMIT -> ../../blobs)
    cached_repo = path.parent.parent
    return store.import_dir(
        path, name, source=hub_id, revision=commit, action="pull", links_within=cached_repo
    )


def _download(hub_id: str, commit: str, patterns: list[str], options: HubOptions) -> Path:
    from huggingface_hub import snapshot_download
    from huggingface_hub.utils.tqdm import disable_progress_bars, enable_progress_bars

    kwargs: dict[str, Any] = {"endpoint": options.endpoint, "cache_dir": options.cache_dir}
    (enable_progress_bars if options.progress else disable_progress_bars)()
    path = snapshot_download(
        hub_id, revision=commit, allow_patterns=patterns, max_workers=options.max_workers, **kwargs
    )
    return Path(path)
