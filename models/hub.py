"""`tolk models pull`: download a checkpoint from the Hugging Face Hub into the store (with progress)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from tolk.common.errors import FailedPrecondition
from tolk.models.store import ModelStore, StoredModel

WANTED_PATTERNS = ["*.json", "*.model", "*.spm", "*.txt", "*.tiktoken"]


def default_name(hub_id: str) -> str:
    """openai/whisper-base -> whisper-base."""
    return hub_id.rstrip("/").split("/")[-1]


def _weights_patterns(files: list[str]) -> list[str]:
    """Prefer safetensors; fall back to the PyTorch .bin (never TF/Flax/ONNX weights)."""
    if any(name.endswith(".safetensors") for name in files):
        return ["*.safetensors"]
    return ["pytorch_model*.bin"]


def pull(store: ModelStore, hub_id: str, name: str | None = None, revision: str | None = None) -> StoredModel:
    """Downloads HUB_ID (one revision) and imports it as NAME; raises FailedPrecondition when offline."""
    try:
        from huggingface_hub import HfApi, snapshot_download
    except ImportError:
        raise FailedPrecondition("pulling needs huggingface_hub: pip install 'tolk[neural]'") from None
    try:
        info = HfApi().model_info(hub_id, revision=revision)
        files = [sibling.rfilename for sibling in info.siblings or []]
        with tempfile.TemporaryDirectory(prefix="tolk-pull-") as work:
            path = snapshot_download(
                hub_id,
                revision=info.sha,
                local_dir=work,
                allow_patterns=WANTED_PATTERNS + _weights_patterns(files),
            )
            return store.import_dir(
                Path(path), name or default_name(hub_id), source=hub_id, revision=str(info.sha), action="pull"
            )
    except FailedPrecondition:
        raise
    except Exception as exc:  # reported as one line: network, auth, unknown repository...
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise FailedPrecondition(
            f"cannot download {hub_id} ({type(exc).__name__}: {reason[:160]}); check the network, "
            f"or download it elsewhere and run `tolk models import DIR --name {name or default_name(hub_id)}`"
        ) from exc
