"""One persistent Apertium pipeline in null-flush mode, plus the text escaping around it.

Not thread-safe on its own: apertium_mt.ProcessPool hands each process to one batch at a time.
The process is started on first use and restarted once when it is found dead; a reply that does not
come within the timeout kills the pipeline (its state is unknown) and raises Unavailable.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from tolk.common.errors import Unavailable

STDERR_LINES = 20
STOP_GRACE_S = 1.0
READ_BYTES = 65536
_SPECIAL = frozenset("\\[]^$@/<>{}")
_MARKS = frozenset("*#@")


@dataclass(frozen=True)
class ProcessOptions:
    """How pipelines are run.

    Attributes:
        response_timeout_s: the longest wait for one chunk's reply (covers start-up on first use).
        start_timeout_s: the longest wait for `apertium-wblank-mode` to write the pipeline.
    """

    response_timeout_s: float = 10.0
    start_timeout_s: float = 10.0


def escape(text: str) -> str:
    """One chunk in the Apertium stream format: one line, special characters escaped, a final blank."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return "".join(f"\\{c}" if c in _SPECIAL else c for c in flat) + " "


def clean(output: str) -> str:
    """Translation text without escapes and unknown-word marks ("*casa" -> "casa"), whitespace collapsed.

    A mark is an unescaped *, # or @ at the start of a word; escaped characters are literal.
    """
    out: list[str] = []
    i = 0
    while i < len(output):
        char = output[i]
        if char == "\\" and i + 1 < len(output):
            out.append(output[i + 1])
            i += 2
            continue
        at_word_start = not out or not out[-1].isalnum()
        followed = i + 1 < len(output) and not output[i + 1].isspace()
        if not (char in _MARKS and at_word_start and followed):
            out.append(char)
        i += 1
    return " ".join("".join(out).split())


class _Died(Exception):
    """The pipeline closed its output or input."""


class ApertiumProcess:
    """The pipeline of one mode (e.g. eng-spa); translate() is one NUL-terminated round trip."""

    def __init__(self, name: str, mode_path: Path, options: ProcessOptions) -> None:
        self.name = name
        self._mode_path = mode_path
        self._options = options
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._stderr_thread: threading.Thread | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def translate(self, text: str) -> str:
        chunk = escape(text).encode("utf-8") + b"\0"
        for attempt in range(2):
            if self._proc is None or self._proc.poll() is not None:
                self._start()
            try:
                return clean(self._round_trip(chunk).decode("utf-8", errors="replace"))
            except _Died:
                self.close()  # waits for the pipeline and its stderr reader, so the tail is complete
                reason = self._stderr_tail()
                if attempt:
                    raise Unavailable(f"apertium {self.name} exited: {reason or 'no error output'}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        try:
            proc.wait(STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            self._kill_group(proc)
            proc.wait()
        finally:
            if proc.stdout is not None:
                proc.stdout.close()
            if self._stderr_thread is not None:
                self._stderr_thread.join(STOP_GRACE_S)

    def _start(self) -> None:
        self.close()
        script = self._pipeline_script()
        try:
            proc = subprocess.Popen(
                ["bash", "-c", script, f"apertium-{self.name}", "-g", ""],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise Unavailable(f"cannot start apertium {self.name}: {exc}") from exc
        self._proc = proc
        self._stderr.clear()
        self._stderr_thread = threading.Thread(
            target=self._drain_stderr, args=(proc,), name=f"apertium-{self.name}-stderr", daemon=True
        )
        self._stderr_thread.start()
        self.starts += 1

    def _pipeline_script(self) -> str:
        if not self._mode_path.is_file():
            raise Unavailable(f"cannot start apertium {self.name}: {self._mode_path} is missing")
        try:
            done = subprocess.run(
                ["apertium-wblank-mode", "-z", str(self._mode_path)],
                capture_output=True,
                text=True,
                timeout=self._options.start_timeout_s,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise Unavailable(f"cannot prepare apertium {self.name} ({self._mode_path}): {exc}") from exc
        return f"export LC_ALL=C.UTF-8\n{done.stdout.strip()}"

    def _round_trip(self, chunk: bytes) -> bytes:
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(chunk)
            proc.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise _Died from exc
        return self._read_reply(proc)

    def _read_reply(self, proc: subprocess.Popen[bytes]) -> bytes:
        assert proc.stdout is not None
        deadline = time.monotonic() + self._options.response_timeout_s
        reply = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            while not reply.endswith(b"\0"):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    self._kill_group(proc)
                    self.close()
                    raise Unavailable(
                        f"apertium {self.name} did not answer within {self._options.response_timeout_s:g} s"
                    )
                data = os.read(proc.stdout.fileno(), READ_BYTES)
                if not data:
                    raise _Died
                reply += data
        return bytes(reply[:-1])

    def _drain_stderr(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stderr is not None
        with proc.stderr:
            for line in proc.stderr:
                self._stderr.append(line.decode("utf-8", errors="replace").strip())

    def _stderr_tail(self) -> str:
        return " | ".join(line for line in list(self._stderr) if line)[-300:]

    @staticmethod
    def _kill_group(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
