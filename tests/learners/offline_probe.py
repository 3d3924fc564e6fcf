"""Runs Offline-mode dictation in this process and reports, as one JSON object on stdout, the record, the
translations, and every socket the process's network namespace held while it ran.

Run by tests/learners/test_dictation.py inside `unshare -rn` (a user + network namespace with only the
loopback interface), so gRPC core's C-level sockets are confined like everything else:

    python offline_probe.py AUDIO MODEL_DIR

The same path as the app's Offline mode: the in-process backend (`tolk.backend.offline`) with the real
Whisper base and Apertium, the app's client pipeline over loopback gRPC, the glossary in the session, and
the dictation document (spoken punctuation, numbers and units).
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import sys
import threading
from pathlib import Path

from tolk.app.core.dictation import DictationDocument
from tolk.app.core.events import Final, Translation
from tolk.app.pipeline import PipelineOptions, file_source, run_pipeline
from tolk.app.transport.client import InterpreterClient
from tolk.app.transport.events import StreamOptions
from tolk.backend.offline import EmbeddedOptions, embedded_backend
from tolk.common.glossary import parse_glossary

SOCKET_TABLES = ("tcp", "tcp6", "udp", "udp6")
SAMPLE_S = 0.02
OUTSIDE = ("192.0.2.1", 443)  # TEST-NET-1: never routable; the namespace must refuse it at once


def _address(hex_address: str) -> str:
    """A /proc/net/{tcp,udp}[6] "ADDR:PORT" (address in host byte order per 32-bit word) -> "ip:port"."""
    host, port = hex_address.split(":")
    raw = bytes.fromhex(host)
    raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(raw)
    return f"{ip}:{int(port, 16)}"


def socket_table() -> set[tuple[str, str, str]]:
    """(table, local, remote) of every socket in this network namespace."""
    found = set()
    for table in SOCKET_TABLES:
        for line in Path(f"/proc/self/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            found.add((table, _address(fields[1]), _address(fields[2])))
    return found


class SocketWatch:
    """Samples the namespace's socket tables from a thread until stopped."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            self.seen |= socket_table()
            if self._stop.wait(SAMPLE_S):
                return

    def __enter__(self) -> SocketWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seen |= socket_table()


def interfaces() -> list[str]:
    lines = Path("/proc/self/net/dev").read_text().splitlines()[2:]
    return sorted(line.split(":")[0].strip() for line in lines)


def outside_attempt() -> str:
    """What a connect to the outside gets here (the positive control: it must fail)."""
    try:
        socket.create_connection(OUTSIDE, timeout=2).close()
    except OSError as exc:
        return f"{type(exc).__name__}: {exc}"
    return "connected"


async def dictate(audio: Path, model_dir: Path) -> dict[str, object]:
    glossary = parse_glossary(["source\tes", "metformin\tmetformina", "milligrams\t"])
    doc = DictationDocument("en")
    translations: list[dict[str, object]] = []
    options = EmbeddedOptions(model_dir=model_dir, source="en", target="es", asr="whisper:whisper-base")
    stream = StreamOptions(
        source_language="en", target_languages=("es",), disable_partials=True, glossary=glossary.terms
    )
    with SocketWatch() as watch:
        async with embedded_backend(options) as backend, InterpreterClient(backend.target) as client:
            source = file_source(audio, realtime=False)
            async for event in run_pipeline(client, stream, source, PipelineOptions()):
                if isinstance(event, Final):
                    doc.add_final(event.text)
                elif isinstance(event, Translation) and event.is_final:
                    translations.append({"text": event.text, "glossary": list(event.glossary_terms)})
    return {
        "target": backend.target,
        "text": doc.text,
        "translations": translations,
        "sockets": sorted(watch.seen),
        "interfaces": interfaces(),
        "outside": outside_attempt(),
    }


if __name__ == "__main__":
    report = asyncio.run(dictate(Path(sys.argv[1]), Path(sys.argv[2])))
    sys.stdout.write(json.dumps(report) + "\n")
