"""Training entry point for machine translation models (see tolk.models.train_cli)."""
