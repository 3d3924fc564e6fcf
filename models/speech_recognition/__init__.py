"""Training entry point for speech recognition models (see tolk.models.train_cli)."""
