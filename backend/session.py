"""One Interpret stream as a state machine, independent of gRPC: config -> streaming -> flushing -> closed.

The servicer decodes requests into `push_audio` / `push_boundary` / `finish` calls and sends what
`next_event` returns. One worker task per session owns the ASR stream and runs every model call in the
shared executor, never on the event loop. All queues are bounded: the input queue makes a fast client
wait, the outbox (backend.events) coalesces partials and never drops finals or translations.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TypeVar, assert_never

from tolk.backend.conversation import segment_language, translation_targets
from tolk.backend.engines.base import (
    AsrEngine,
    AsrStream,
    Hypothesis,
    MtEngine,
    SegmentLanguageStream,
)
from tolk.backend.engines.pivot_mt import pivot_language
from tolk.backend.events import Outbox
from tolk.backend.glossary_mt import glossary_translate
from tolk.backend.session_setup import EngineSource, SessionLimits, SessionOptions, resolve_engines
from tolk.common.dsp import SAMPLE_RATE_HZ, Samples, StreamResampler, bytes_to_float32, pcm16_to_float32
from tolk.common.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    TolkError,
    Unavailable,
)
from tolk.common.events import Event, Final, Partial, Started, Translation
from tolk.common.vad import SpeechAudio, SpeechEnd, SpeechStart, VadSegmenter

log = logging.getLogger(__name__)


T = TypeVar("T")
MAX_PENDING_TRANSLATIONS = 4
PARTIAL_CATCH_UP_FACTOR = 4  # while audio is queued, partials wait for this many intervals of audio


class _LockedStream:
    """Serializes calls on an ASR stream so close() never races an in-flight accept() or partial()."""

    def __init__(self, stream: AsrStream) -> None:
        self._stream: AsrStream | None = stream
        self._lock = threading.Lock()

    def call(self, fn: Callable[[AsrStream], T]) -> T:
        with self._lock:
            if self._stream is None:
                raise Unavailable("recognition stream already closed")
            return fn(self._stream)

    def close(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
        if stream is not None:
            stream.close()


@dataclass
class _Segment:
    segment_id: int
    start_s: float
    samples: int = 0
    since_partial: int = 0
    engine_s: float = 0.0


@dataclass(frozen=True)
class _Audio:
    samples: Samples


@dataclass(frozen=True)
class _Boundary:
    start: bool
    t_s: float
    language: str = ""


@dataclass(frozen=True)
class _Flush:
    """The client half-closed: flush the open segment and end the event stream."""


_InboxItem = _Audio | _Boundary | _Flush
"""What the request side hands the session's worker, in order."""


class Session:
    """Recognizes and translates one stream; create with `open_session`."""

    def __init__(self, session_id: str, options: SessionOptions, limits: SessionLimits, asr: AsrEngine,
                 stream: AsrStream, mt: MtEngine | None, executor: Executor,
                 mt_executor: Executor | None = None) -> None:  # fmt: skip
        self.session_id = session_id
        self.options = options
        self.limits = limits
        self._asr_name = asr.name
        self._stream = _LockedStream(stream)
        self._mt = mt
        self._executor = executor
        self._mt_executor = mt_executor or executor
        self.translation_misses = 0
        self._inbox: asyncio.Queue[_InboxItem] = asyncio.Queue(limits.input_queue_size)
        self.outbox = Outbox(limits.event_queue_size)
        self._resampler = StreamResampler(options.sample_rate_hz, SAMPLE_RATE_HZ)
        self._vad = VadSegmenter(limits.vad) if options.segmentation == "server_vad" else None
        self._client_in_speech = False
        self._finished = False
        self._segment: _Segment | None = None
        self._next_id = options.first_segment_id
        self._translations: set[asyncio.Task[None]] = set()
        self._worker: asyncio.Task[None] | None = None
        self._partial_samples = SAMPLE_RATE_HZ * limits.partial_interval_ms // 1000

    # ---- input side (called by the servicer's reader, in order) ----

    async def start(self) -> None:
        mt_name = self._mt.name if self._mt else ""
        await self.outbox.put(Started(self.session_id, self._asr_name, mt_name))
        self._worker = asyncio.create_task(self._run(), name=f"session-{self.session_id}")

    async def push_audio(self, data: bytes) -> None:
        self._check_open()
        if not data:
            raise InvalidArgument("empty audio chunk")
        if len(data) > self.limits.max_chunk_bytes:
            raise InvalidArgument(f"audio chunk of {len(data)} bytes exceeds {self.limits.max_chunk_bytes}")
        try:
            raw = pcm16_to_float32(data) if self.options.encoding == "linear16" else bytes_to_float32(data)
        except ValueError as exc:
            raise InvalidArgument(str(exc)) from None
        if self._vad is None and not self._client_in_speech:
            return  # CLIENT_VAD: audio outside speech is ignored
        await self._inbox.put(_Audio(self._resampler.process(raw)))

    async def push_boundary(self, start: bool, t_s: float, language: str = "") -> None:
        self._check_open()
        if self._vad is not None:
            raise FailedPrecondition("speech boundaries are only accepted with CLIENT_VAD segmentation")
        language = segment_language(self.options, start, language)
        if start == self._client_in_speech:
            kind = "SPEECH_START" if start else "SPEECH_END"
            raise FailedPrecondition(f"{kind} out of order (speech {'already' if start else 'not'} open)")
        self._client_in_speech = start
        await self._inbox.put(_Boundary(start, t_s, language))

    async def finish(self) -> None:
        """The client half-closed: flush the open segment, then end the event stream."""
        self._check_open()
        self._finished = True
        await self._inbox.put(_Flush())

    def _check_open(self) -> None:
        if self._finished:
            raise FailedPrecondition("the stream was already finished")

    async def next_event(self) -> Event | None:
        """The next event to send; None at the end; raises TolkError when the session failed."""
        return await self.outbox.get()

    async def aclose(self) -> None:
        """Cancels all work and frees the ASR stream (safe to call more than once, and on cancel).

        The stream is closed even when this task is cancelled meanwhile, and before aclose returns, so
        a session never outlives its slot and a pooled decoder always goes back to its pool.
        """
        try:
            tasks = [t for t in (self._worker, *self._translations) if t is not None and not t.done()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.outbox.close()
        finally:
            closing = asyncio.get_running_loop().run_in_executor(self._executor, self._stream.close)
            cancelled = await wait_through_cancel(closing)
            closing.result()
            if cancelled:
                raise asyncio.CancelledError

    # ---- the worker ----

    async def _run(self) -> None:
        try:
            while not isinstance(item := await self._inbox.get(), _Flush):
                await self._handle(item)
            await self._flush()
            await self.outbox.close()
        except asyncio.CancelledError:
            raise
        except TolkError as exc:
            await self.outbox.fail(exc)
        except Exception as exc:
            log.exception("session %s failed", self.session_id)
            await self.outbox.fail(exc)

    async def _handle(self, item: _Audio | _Boundary) -> None:
        if isinstance(item, _Boundary):
            if item.start:
                self._open_segment(item.t_s)
                language = item.language  # push-to-talk: this segment's language is given, not identified
                if language:
                    await self._call(lambda stream: _set_language(stream, language))
            else:
                await self._close_segment(item.t_s)
        elif isinstance(item, _Audio):
            if self._vad is None:
                await self._accept(item.samples)
            else:
                await self._segment_audio(item.samples)
        else:
            assert_never(item)

    async def _segment_audio(self, samples: Samples) -> None:
        assert self._vad is not None
        for event in self._vad.feed(samples):
            await self._on_vad(event)

    async def _on_vad(self, event: SpeechStart | SpeechAudio | SpeechEnd) -> None:
        if isinstance(event, SpeechStart):
            self._open_segment(event.t_s)
        elif isinstance(event, SpeechAudio):
            await self._accept(event.samples)
        elif isinstance(event, SpeechEnd):
            await self._close_segment(event.t_s)
        else:
            assert_never(event)

    async def _flush(self) -> None:
        tail = self._resampler.process(pcm16_to_float32(b""), last=True)
        if self._vad is not None:
            for event in [*self._vad.feed(tail), *self._vad.flush()]:
                await self._on_vad(event)
        elif self._segment is not None:
            await self._accept(tail)
            await self._close_segment(self._segment.start_s + self._segment.samples / SAMPLE_RATE_HZ)
        if self._translations:
            await asyncio.gather(*self._translations)

    @property
    def queued(self) -> int:
        """Inputs and events waiting in this session's queues."""
        return self._inbox.qsize() + self.outbox.unsent

    async def _call(self, fn: Callable[[AsrStream], T], seg: _Segment | None = None) -> T:
        """Runs `fn` on the ASR stream in a worker thread; its time counts toward `seg`'s RTF."""

        def timed(stream: AsrStream) -> T:
            started = time.perf_counter()
            try:
                return fn(stream)
            finally:
                if seg is not None:
                    seg.engine_s += time.perf_counter() - started

        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._stream.call, timed)

    def _open_segment(self, t_s: float) -> None:
        self._segment = _Segment(self._next_id, t_s)
        self._next_id += 1

    async def _accept(self, samples: Samples) -> None:
        """Feeds the open segment; when a partial is due, asks for it in the same worker-thread call."""
        seg = self._segment
        if seg is None or not len(samples):
            return
        seg.samples += len(samples)
        seg.since_partial += len(samples)
        want = self._partial_due(seg)
        if want:
            seg.since_partial = 0
        hyp = await self._call(lambda stream: _accept_then_partial(stream, samples, want), seg)
        if hyp is not None:
            start_s, end_s = self._times(seg, seg.start_s + seg.samples / SAMPLE_RATE_HZ)
            partial = Partial(seg.segment_id, hyp.stable, hyp.unstable, self._language(hyp), start_s, end_s)
            await self.outbox.put_partial(partial)

    def _partial_due(self, seg: _Segment) -> bool:
        if self.options.disable_partials or seg.since_partial < self._partial_samples:
            return False
        # behind (audio waiting): catch up first, but still refresh every few intervals
        return self._inbox.empty() or seg.since_partial >= PARTIAL_CATCH_UP_FACTOR * self._partial_samples

    async def _close_segment(self, end_s: float) -> None:
        seg, self._segment = self._segment, None
        if seg is None:
            return
        hyp = await self._call(lambda stream: stream.finalize(), seg)
        self._report_rtf(seg)
        if self.limits.on_segment_signals is not None:
            for signals in hyp.signals:
                self.limits.on_segment_signals(self._asr_name, signals)
        start_s, end_s = self._times(seg, end_s)
        channel = self.options.channel
        final = Final(seg.segment_id, hyp.text.strip(), self._language(hyp), start_s, end_s, channel=channel)
        await self.outbox.put(final)
        await self._spawn_translation(final)

    def _report_rtf(self, seg: _Segment) -> None:
        audio_s = seg.samples / SAMPLE_RATE_HZ
        if self.limits.on_segment_rtf is not None and audio_s > 0:
            self.limits.on_segment_rtf(seg.engine_s / audio_s)

    def _times(self, seg: _Segment, end_s: float) -> tuple[float, float]:
        offset = self.options.audio_offset_s
        return offset + seg.start_s, offset + max(end_s, seg.start_s)

    def _language(self, hyp: Hypothesis) -> str:
        return hyp.language or self.options.source_language or ""

    # ---- translation ----

    async def _spawn_translation(self, final: Final) -> None:
        if not translation_targets(self.options, final.language):
            return
        while len(self._translations) >= MAX_PENDING_TRANSLATIONS:
            await asyncio.wait(self._translations, return_when=asyncio.FIRST_COMPLETED)
        task = asyncio.create_task(self._translate_final(final))
        self._translations.add(task)
        task.add_done_callback(self._translations.discard)

    async def _translate_final(self, final: Final) -> None:
        try:
            targets, channel = translation_targets(self.options, final.language), self.options.channel
            texts = await asyncio.gather(*(self._translate(final, t) for t in targets))
            for target, (text, terms) in zip(targets, texts, strict=True):
                pivot = pivot_language(self._mt, final.language, target)
                event = Translation(
                    final.segment_id,
                    final.language,
                    target,
                    text,
                    True,
                    channel=channel,
                    pivot_language=pivot,
                    glossary_terms=terms,
                )
                await self.outbox.put(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one caption stays untranslated; the session goes on
            self.translation_misses += 1
            log.warning(
                "translation failed; caption left untranslated",
                extra={
                    "segment_id": final.segment_id,
                    "error": type(exc).__name__,
                    "misses": self.translation_misses,
                },
                exc_info=not isinstance(exc, TolkError),
            )

    async def _translate(self, final: Final, target: str) -> tuple[str, tuple[str, ...]]:
        """The translation and the glossary terms forced into it."""
        if not final.text or final.language == target or self._mt is None:
            return final.text, ()
        translate = glossary_translate(self._mt, self.options.glossary)
        loop = asyncio.get_running_loop()
        try:
            out = await loop.run_in_executor(
                self._mt_executor, lambda: translate([final.text], final.language, target)
            )
        except NotFound:  # a detected language the MT engine lacks: the caption stays untranslated
            log.warning("no %s-%s translation in session %s", final.language, target, self.session_id)
            return "", ()
        return out[0] if out else ("", ())


def _set_language(stream: AsrStream, language: str) -> None:
    if not isinstance(stream, SegmentLanguageStream):
        raise FailedPrecondition("this recognizer cannot take a segment's language from the client")
    stream.set_segment_language(language)


def _accept_then_partial(stream: AsrStream, samples: Samples, want_partial: bool) -> Hypothesis | None:
    stream.accept(samples)
    return stream.partial() if want_partial else None


# ---- opening a session ----


async def open_session(
    session_id: str,
    options: SessionOptions,
    limits: SessionLimits,
    registry: EngineSource,
    executor: Executor,
    mt_executor: Executor | None = None,
) -> Session:
    """Resolves engines off the event loop and starts the session (its first event is Started)."""
    loop = asyncio.get_running_loop()
    job = loop.run_in_executor(executor, resolve_engines, options, registry)
    cancelled = await wait_through_cancel(job)
    engines = job.result()
    session = Session(
        session_id, options, limits, engines.asr, engines.stream, engines.mt, executor, mt_executor
    )
    try:
        if cancelled:
            raise asyncio.CancelledError
        await session.start()
    except BaseException:
        await session.aclose()
        raise
    return session


async def wait_through_cancel(job: asyncio.Future[T]) -> bool:
    """Waits for an executor job to end even if this task is cancelled meanwhile; True if it was.

    A running job cannot be stopped: waiting keeps its result (an open ASR stream) from being orphaned
    and its resources counted against the session that asked for them. The caller re-raises the cancel.
    """
    cancelled = False
    while not job.done():
        try:
            await asyncio.wait([job])
        except asyncio.CancelledError:
            cancelled = True
    return cancelled
