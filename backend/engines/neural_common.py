"""What the neural engine families share: store lookup, device and precision choice, int8 quantization."""

from __future__ import annotations

import importlib.util
import logging
import warnings
from dataclasses import dataclass
from typing import Any

from tolk.backend.engines.registry import EngineContext
from tolk.backend.scheduler import SchedulerOptions
from tolk.common.errors import FailedPrecondition, InvalidArgument, NotFound
from tolk.models import catalog
from tolk.models.store import ModelStore, StoredModel

log = logging.getLogger(__name__)
NEURAL_MODULES = ("torch", "transformers")


def probe(runtime_modules: tuple[str, ...] = NEURAL_MODULES) -> str | None:
    """None when the neural extra is installed, else why not (without importing torch)."""
    missing = [name for name in runtime_modules if importlib.util.find_spec(name) is None]
    return f"not installed ({', '.join(missing)}): pip install 'tolk[neural]'" if missing else None


def store_models(context: EngineContext, family: str) -> list[StoredModel]:
    if context.model_dir is None:
        return []
    return ModelStore(context.model_dir).find(family)


def open_model(context: EngineContext, family: str, name: str | None) -> StoredModel:
    """The verified store entry NAME (or hub id: tolk.models.catalog) of this family; errors name the fix."""
    if context.model_dir is None:
        raise FailedPrecondition("no model store configured (--store or TOLK_MODEL_DIR)")
    store = ModelStore(context.model_dir)
    if name is None:
        names = ", ".join(m.name for m in store.find(family)) or "none; see `tolk models import`"
        raise NotFound(f"name a model: {family}:NAME (in the store: {names})")
    model = catalog.resolve(store, family, name)
    if model.manifest.family != family:
        raise InvalidArgument(
            f"model {name!r} is a {model.manifest.arch} model; use {model.manifest.family}:{name}"
        )
    return store.verify(model)


def canonical_name(context: EngineContext, family: str, ref: str) -> str:
    """The store name `ref` stands for: itself, or the entry a hub id resolves to (errors name the fix)."""
    if not catalog.is_hub_id(ref):
        return ref
    if context.model_dir is None:
        raise FailedPrecondition(f"no model store configured for {ref} (--store or TOLK_MODEL_DIR)")
    return catalog.resolve(ModelStore(context.model_dir), family, ref).name


def model_description(label: str, model: StoredModel) -> str:
    """One line for `tolk engines` and GetCapabilities: precision, runtime, version, size and source."""
    m = model.manifest
    return (
        f"{label} {m.name} v{m.version} ({m.precision}, {m.runtime}, {m.size_bytes / 1e6:.0f} MB; "
        f"from {catalog.source_id(model)})"
    )


@dataclass(frozen=True)
class Placement:
    """Where and how a model runs.

    Attributes:
        device: "cpu" or "cuda[:N]".
        precision: "fp32", "fp16", "bf16" or "int8".
        runtime: "torch" or "ctranslate2".
    """

    device: str
    precision: str
    runtime: str

    @property
    def ct2_device(self) -> tuple[str, int]:
        kind, _, index = self.device.partition(":")
        return kind, int(index or 0)

    @property
    def ct2_compute_type(self) -> str:
        if self.precision == "int8":
            return "int8_float16" if self.device.startswith("cuda") else "int8"
        return {"fp16": "float16", "bf16": "bfloat16"}.get(self.precision, "float32")

    def describe(self) -> str:
        return f"{self.precision}, {self.runtime}, {self.device}"


def _cuda_available(runtime: str) -> bool:
    if runtime == "ctranslate2":
        import ctranslate2

        return bool(ctranslate2.get_cuda_device_count() > 0)
    import torch

    return bool(torch.cuda.is_available())


def place(context: EngineContext, model: StoredModel) -> Placement:
    """Device and precision from the context ("auto": CUDA fp16 if present; on the CPU the entry's precision,
    int8 for CTranslate2)."""
    runtime = model.manifest.runtime
    device = context.device
    if device == "auto":
        device = "cuda" if _cuda_available(runtime) else "cpu"
    precision = context.precision
    if precision == "auto":
        precision = "fp16" if device.startswith("cuda") and model.manifest.precision != "int8" else "fp32"
        precision = "int8" if model.manifest.precision == "int8" else precision
        # CTranslate2 quantizes any stored precision to int8 as it loads: the CPU default
        precision = "int8" if runtime == "ctranslate2" and device == "cpu" else precision
    if precision not in ("fp32", "fp16", "bf16", "int8"):
        raise InvalidArgument(f"unknown precision {precision!r} (fp32, fp16, bf16, int8)")
    if runtime == "torch" and precision == "int8" and device.startswith("cuda"):
        raise InvalidArgument(
            "torch int8 (dynamic quantization) runs on the CPU; use --precision fp16 on CUDA"
        )
    if device == "cpu" and precision in ("fp16", "bf16") and runtime == "torch":
        raise InvalidArgument(f"{precision} needs CUDA; use fp32 or int8 on the CPU")
    return Placement(device, precision, runtime)


def torch_model(model: Any, placement: Placement) -> Any:
    """Moves a transformers model to its device/dtype, or quantizes its Linear layers to int8."""
    import torch

    model.eval()
    if placement.precision == "int8":
        return quantize_linear(model)
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(placement.precision, torch.float32)
    return model.to(device=placement.device, dtype=dtype)


def quantize_linear(model: Any) -> Any:
    """Torch dynamic int8 quantization of every nn.Linear (weights int8, activations quantized per call)."""
    import torch

    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao, which is not a dependency here.
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)  # type: ignore[no-untyped-call]


def scheduler_options(context: EngineContext) -> SchedulerOptions:
    return SchedulerOptions(max_batch_size=context.max_batch_size, max_wait_ms=context.max_wait_ms)
