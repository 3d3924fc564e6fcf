#!/usr/bin/env bash
# Regenerates the Python code for proto/tolk/v1/*.proto beside the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
"${PYTHON:-python3}" -m grpc_tools.protoc -I proto \
  --python_out=proto --pyi_out=proto --grpc_python_out=proto \
  proto/tolk/v1/interpreter.proto
