"""One persistent Apertium pipeline in null-flush mode, plus the text escaping around it.

Not thread-safe on its own: apertium_mt.ProcessPool hands each process to one batch at a time.
The process is started on first use. One round trip writes a chunk and reads its reply concurrently
under one deadline, so a chunk larger than the pipe buffers cannot deadlock the two sides. Long texts
are split into chunks at sentence ends. Every character the stream format treats specially is escaped;
control characters (NUL included) become blanks; a `^` after a text's last word never enters the
pipeline (lrx-proc swallows the NUL after it), it is appended as it is.

A reply is trusted only when every stage of the pipeline is still alive after it and it holds exactly one
NUL: a killed stage makes the stages after it flush what they hold and exit, which would look like a
short translation. Then the pipeline restarts and the chunk is retried once; a second failure, like a
reply that does not come within the deadline, raises Unavailable. Restarts and timeouts are logged
(never the text).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import selectors
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from tolk.common.errors import Unavailable

log = logging.getLogger(__name__)

STDERR_LINES = 20
STOP_GRACE_S = 1.0
READ_BYTES = 65536
MAX_CHUNK_CHARS = 2000
"""Longest piece of text sent in one round trip; longer texts are split at sentence ends."""
_SPECIAL = frozenset("\\[]^$@/<>{}")
_MARKS = frozenset("*#@")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class ProcessOptions:
    """How pipelines are run.

    Attributes:
        response_timeout_s: the longest one chunk's round trip may take (covers start-up on first use).
        start_timeout_s: the longest wait for `apertium-wblank-mode` to write the pipeline.
        max_chunk_chars: longest piece of text in one round trip (longer texts are split).
    """

    response_timeout_s: float = 10.0
    start_timeout_s: float = 10.0
    max_chunk_chars: int = MAX_CHUNK_CHARS


def flatten(text: str) -> str:
    """One line: control and other unprintable characters (NUL too) become blanks, runs collapse."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def escape(text: str) -> str:
    """One chunk in the Apertium stream format: one line, special characters escaped, a final blank."""
    return "".join(f"\\{c}" if c in _SPECIAL else c for c in flatten(text)) + " "


def split_tail(text: str) -> tuple[str, str]:
    """(what goes through the pipeline, a literal tail): the tail starts at a `^` after the last word."""
    last_word = max((i for i, c in enumerate(text) if c.isalnum()), default=-1)
    caret = text.find("^", last_word + 1)
    if caret < 0:
        return text, ""
    return text[:caret], text[caret:]


def chunks(text: str, max_chars: int = MAX_CHUNK_CHARS) -> list[str]:
    """`text` (already flat) in pieces of at most `max_chars`, cut at sentence ends, else at blanks."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > max_chars:
            cut = sentence.rfind(" ", 0, max_chars + 1)
            cut = cut if cut > 0 else max_chars
            pieces.extend(p for p in (current, sentence[:cut].strip()) if p)
            current, sentence = "", sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


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
    """The pipeline closed its input or output, lost a stage, or answered out of step."""


class ApertiumProcess:
    """The pipeline of one mode (e.g. eng-spa); translate() is one NUL-terminated round trip per chunk."""

    def __init__(self, name: str, mode_path: Path, options: ProcessOptions) -> None:
        self.name = name
        self._mode_path = mode_path
        self._options = options
        self._proc: subprocess.Popen[bytes] | None = None
        self._stages: tuple[int, ...] = ()
        self._stage_count = 0
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._stderr_thread: threading.Thread | None = None
        self.starts = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def stage_pids(self) -> tuple[int, ...]:
        """The pipeline's stage processes, known after the first round trip."""
        return self._stages

    def translate(self, text: str) -> str:
        head, tail = split_tail(flatten(text))
        translated = " ".join(
            self._translate_chunk(piece) for piece in chunks(head.strip(), self._options.max_chunk_chars)
        )
        if not tail:
            return translated
        return translated + (" " if head[-1:].isspace() and translated else "") + tail

    def _translate_chunk(self, text: str) -> str:
        chunk = escape(text).encode("utf-8") + b"\0"
        for attempt in range(2):
            if self._proc is None or not self._alive():
                self._start()
            try:
                reply = self._round_trip(chunk)
                if not self._alive(replied=True):
                    raise _Died("a stage exited")
                return clean(reply.decode("utf-8", errors="replace"))
            except _Died as exc:
                self.close()  # waits for the pipeline and its stderr reader, so the tail is complete
                reason = self._stderr_tail() or "no error output"
                log.warning(
                    "apertium pipeline restarts", extra={"mode": self.name, "why": str(exc), "stderr": reason}
                )
                if attempt:
                    raise Unavailable(
                        f"apertium {self.name} exited twice ({exc}); details in the server log"
                    ) from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        proc, self._proc = self._proc, None
        self._stages = ()
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
        self._stage_count = script.count(" | ") + 1
        try:
            proc = subprocess.Popen(
                ["bash", "-c", script, f"apertium-{self.name}", "-g", ""],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except OSError as exc:
            raise Unavailable(f"cannot start apertium {self.name}: {exc.strerror}") from exc
        assert proc.stdin is not None
        os.set_blocking(proc.stdin.fileno(), False)
        self._proc = proc
        self._stderr.clear()
        self._stderr_thread = threading.Thread(
            target=self._drain_stderr, args=(proc,), name=f"apertium-{self.name}-stderr", daemon=True
        )
        self._stderr_thread.start()
        self.starts += 1

    def _pipeline_script(self) -> str:
        if not self._mode_path.is_file():
            raise Unavailable(f"cannot start apertium {self.name}: its mode file is missing")
        try:
            done = subprocess.run(
                ["apertium-wblank-mode", "-z", str(self._mode_path)],
                capture_output=True,
                text=True,
                timeout=self._options.start_timeout_s,
                check=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            log.error("cannot prepare apertium %s: %s", self.name, exc)
            raise Unavailable(f"cannot prepare apertium {self.name}") from exc
        return f"export LC_ALL=C.UTF-8\n{done.stdout.strip()}"

    def _alive(self, replied: bool = False) -> bool:
        """The shell and every stage still run. Stages are learnt from the first reply (it passed
        through all of them, so all of them started); before it, only the shell is checked."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return False
        if not self._stages:
            if not replied:
                return True
            children = _children(proc.pid) or (proc.pid,)  # a one-stage script: bash exec'd it
            if len(children) != self._stage_count:
                return False
            self._stages = children
        return all(_running(pid) for pid in self._stages)

    def _round_trip(self, chunk: bytes) -> bytes:
        """Writes `chunk` while reading the reply, until one NUL-terminated reply or the deadline."""
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        deadline = time.monotonic() + self._options.response_timeout_s
        pending = memoryview(chunk)
        reply = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            selector.register(proc.stdin, selectors.EVENT_WRITE)
            while b"\0" not in reply:
                remaining = deadline - time.monotonic()
                ready = selector.select(remaining) if remaining > 0 else []
                if not ready:
                    self._timed_out(proc)
                for key, _ in ready:
                    if key.fileobj is proc.stdin:
                        pending = pending[self._write(proc, pending) :]
                        if not pending:
                            selector.unregister(proc.stdin)
                    else:
                        data = os.read(proc.stdout.fileno(), READ_BYTES)
                        if not data:
                            raise _Died("output closed")
                        reply += data
        if pending or not reply.endswith(b"\0") or reply.count(b"\0") != 1:
            raise _Died("reply out of step")
        return bytes(reply[:-1])

    @staticmethod
    def _write(proc: subprocess.Popen[bytes], data: memoryview) -> int:
        assert proc.stdin is not None
        try:
            return os.write(proc.stdin.fileno(), data[:READ_BYTES])
        except BlockingIOError:
            return 0
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise _Died("input closed") from exc

    def _timed_out(self, proc: subprocess.Popen[bytes]) -> None:
        log.warning(
            "apertium pipeline timed out; killed",
            extra={"mode": self.name, "timeout_s": self._options.response_timeout_s},
        )
        self._kill_group(proc)
        self.close()
        raise Unavailable(
            f"apertium {self.name} did not answer within {self._options.response_timeout_s:g} s"
        )

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


def _children(pid: int) -> tuple[int, ...]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return ()
    return tuple(int(p) for p in text.split())


def _running(pid: int) -> bool:
    """True while `pid` runs (a zombie, reaped or missing process is not running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X", "x")
