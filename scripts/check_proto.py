"""Fails when the committed protobuf code differs from what scripts/gen_proto.sh generates now."""

import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ("interpreter_pb2.py", "interpreter_pb2.pyi", "interpreter_pb2_grpc.py")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        shutil.copytree(ROOT / "proto", out / "proto")
        for name in GENERATED:
            (out / "proto/tolk/v1" / name).unlink()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "grpc_tools.protoc",
                "-I",
                "proto",
                "--python_out=proto",
                "--pyi_out=proto",
                "--grpc_python_out=proto",
                "proto/tolk/v1/interpreter.proto",
            ],
            cwd=out,
            check=True,
        )
        stale = [
            n
            for n in GENERATED
            if not filecmp.cmp(out / "proto/tolk/v1" / n, ROOT / "proto/tolk/v1" / n, shallow=False)
        ]
    if stale:
        print(f"stale generated code: {', '.join(stale)}; run scripts/gen_proto.sh", file=sys.stderr)
        return 1
    print("protobuf code is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
