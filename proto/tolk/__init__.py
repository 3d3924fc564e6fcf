"""Tolk, a real-time speech interpreter.

Everything Tolk installs lives under this one namespace:

- `tolk.v1`: the wire contract (generated protobuf and gRPC code);
- `tolk.common`: what client and server both need (audio DSP, VAD, language codes, events, errors);
- `tolk.models`: the model store, hub downloads, quantization, evaluation;
- `tolk.backend`: the gRPC service, sessions and engines;
- `tolk.app`: the command line, the client pipeline and the desktop app.

Imports run one way, common <- models <- backend <- app (tests/test_architecture.py).
"""

__version__ = "0.2.0"
