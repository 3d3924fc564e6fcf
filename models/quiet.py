"""Quiet loading of Hugging Face checkpoints, for the store (quantize) and the engines alike."""

from __future__ import annotations


def quiet_transformers() -> None:
    """Silences transformers' advisory log lines (generation-config notices) on first load."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
