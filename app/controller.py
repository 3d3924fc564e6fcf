"""The desktop app's controller: owns capture, the backend link and the session; the UI talks only to it.

Threads: the Qt main thread runs widgets and this QObject; one `LoopThread` (a QThread) runs an asyncio
loop with the gRPC client, the client VAD pipeline and, in offline mode, the embedded backend server;
the sound library's own thread runs the capture callback, which only enqueues. Results cross to the main
thread through this object's signals (queued connections, since they are emitted on the loop thread).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QThread, Signal

from tolk.app.audio.capture import (
    AudioCapture,
    CaptureError,
    InputDevice,
    SoundModule,
    find_device,
    list_input_devices,
)
from tolk.app.audio.file_device import FileSoundModule
from tolk.app.audio.recorder import Recorder
from tolk.app.backend_link import BackendLink, CaptureTimeline, ConnectionSpec, SessionSpec, run_session
from tolk.app.core.errors import ClientError
from tolk.app.core.events import ConnectionState, Final, SessionEvent
from tolk.app.core.push_to_talk import PushToTalk
from tolk.app.transport.channel import ClientTls
from tolk.app.transport.events import Capabilities
from tolk.common.dsp import Samples
from tolk.common.glossary import GlossaryTerm

log = logging.getLogger(__name__)
T = TypeVar("T")

STOP_GRACE_S = 15.0
"""How long a stopping session may flush its last segment before it is cancelled."""
LOOP_STOP_TIMEOUT_S = 10.0
NO_DEVICE_MESSAGE = "No audio input found. Connect a microphone, or tick 'Play a file as the microphone'."


@dataclass(frozen=True)
class SessionRequest:
    """What the user asked to start.

    Attributes:
        device: input device name ("" = first available); ignored when `input_file` is set.
        input_file: audio file played as a microphone, or "".
        source_language: language spoken.
        target_languages: languages to translate into.
        connection: offline or a server.
        asr: ASR engine spec from the model picker ("" = the backend's default).
        mt: MT engine spec from the model picker ("" = the backend's default).
        room / room_token: also publish into this live-event room ("" = no), and its listener token.
        glossary: terms recognition is biased towards and translation must use (the Glossary tab).
    """

    device: str
    input_file: str
    source_language: str
    target_languages: tuple[str, ...]
    connection: ConnectionSpec
    asr: str = ""
    mt: str = ""
    conversation: tuple[str, ...] = ()
    room: str = ""
    room_token: str = ""
    glossary: tuple[GlossaryTerm, ...] = ()
    push_to_talk: PushToTalk | None = None
    """Conversation mode: the side held (segments start in its language); None = always identified."""


class LoopThread(QThread):
    """A QThread running an asyncio event loop; `submit` schedules a coroutine on it from any thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.loop = asyncio.new_event_loop()

    def run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.run_until_complete(self.loop.shutdown_default_executor())  # pending capture reads
        self.loop.close()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    @staticmethod
    async def _cancel_all() -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def stop(self) -> None:
        """Cancels what still runs on the loop (e.g. a capabilities query), then ends the thread."""
        if not self.isRunning():
            return
        try:
            self.submit(self._cancel_all()).result(timeout=LOOP_STOP_TIMEOUT_S)
        except concurrent.futures.TimeoutError:
            log.warning("tasks on the controller loop did not finish in time")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.wait()


def language_pairs(capabilities: Capabilities) -> dict[str, list[str]]:
    """Each recognizable language -> the languages the installed MT engines translate it into."""
    sources = {lang for e in capabilities.engines if e.kind == "asr" for lang in e.languages}
    pairs: dict[str, set[str]] = {lang: set() for lang in sources}
    for engine in capabilities.engines:
        if engine.kind == "mt":
            for source, target in engine.pairs:
                if source in pairs:
                    pairs[source].add(target)
    return {source: sorted(targets) for source, targets in pairs.items()}


class Controller(QObject):
    """Starts and stops sessions; reports state, events, delay and errors through signals.

    `sound` makes the sound library (sounddevice, or a fake in tests); `file_speed` paces file inputs
    (1.0 = real time, like a microphone); `tls_files` the CA, client certificate and key for TLS
    connections (default: the system's roots).
    """

    state_changed = Signal(str, str)  # state, one-line detail
    event_received = Signal(object)  # app.core.events.SessionEvent
    delay_measured = Signal(float)  # seconds from the end of speech to its final on screen
    error = Signal(str)
    capabilities_ready = Signal(object)  # dict[str, list[str]] from language_pairs
    engines_ready = Signal(object)  # tuple[EngineDescription, ...]: the backend's installed engines
    session_finished = Signal()
    engines_changed = Signal(str, str)  # offline: "asr + mt" and where they come from; server: "", ""

    def __init__(
        self,
        sound: Callable[[], SoundModule],
        *,
        file_speed: float = 1.0,
        model_dir: Path | None = None,
        tls_files: ClientTls | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._sound = sound
        self._file_speed = file_speed
        self._thread = LoopThread(self)
        self._thread.start()
        self._link = BackendLink(model_dir, tls_files)
        self._capture: AudioCapture | None = None
        self._future: concurrent.futures.Future[None] | None = None
        self._next_segment_id = 0
        self._audio_offset_s = 0.0
        self.state = "idle"

    # --- queries -------------------------------------------------------------------------------------
    def list_devices(self) -> list[InputDevice]:
        """Input devices, or [] with the reason emitted on `error` when there are none."""
        try:
            devices = list_input_devices(self._sound())
        except CaptureError as exc:
            self.error.emit(str(exc))
            return []
        return devices

    @property
    def running(self) -> bool:
        return self._future is not None and not self._future.done()

    @property
    def level(self) -> float:
        return self._capture.level if self._capture is not None else 0.0

    def fetch_capabilities(self, connection: ConnectionSpec) -> None:
        """Asks the backend what it offers; answers on `capabilities_ready` or `error`."""
        if self._thread.loop.is_closed():
            return  # after shutdown (a widget signal during teardown): nobody is listening
        self._thread.submit(self._capabilities(connection))

    async def _capabilities(self, connection: ConnectionSpec) -> None:
        try:
            capabilities = await self._link.capabilities(connection)
        except ClientError as exc:
            self.error.emit(f"cannot get languages: {exc}")
            return
        engines = self._link.engines if connection.mode == "offline" else None
        self.engines_changed.emit(*((engines.describe(), engines.reason) if engines else ("", "")))
        self.capabilities_ready.emit(language_pairs(capabilities))
        self.engines_ready.emit(capabilities.engines)

    def pronounce(
        self, connection: ConnectionSpec, text: str, audio: Path | Samples
    ) -> concurrent.futures.Future[Any]:
        """Scores a reading of `text` (a file, or 16 kHz samples recorded in memory) through the
        backend's Pronounce RPC (the Pronunciation tab)."""
        from tolk.app.commands_pronounce import pronounce_audio

        return self._thread.submit(pronounce_audio(self._link.client(connection), text, audio))

    def recorder(self, device: str, input_file: str = "") -> Recorder:
        """A recorder on the input called `device` (or the file played as the microphone); CaptureError
        when there is none. The Pronunciation tab's Record button starts and stops it."""
        sound = FileSoundModule(Path(input_file)) if input_file else self._sound()
        found = find_device(list_input_devices(sound), device)
        if found is None:
            raise CaptureError(NO_DEVICE_MESSAGE)
        return Recorder(sound, found)

    # --- session -------------------------------------------------------------------------------------
    def start(self, request: SessionRequest) -> bool:
        """Opens the input and starts a session; False (with a message on `error`) when it cannot.

        A running session must finish first (stop, then start on `session_finished`), so the new one
        continues its segment ids and timeline.
        """
        if self.running:
            self.error.emit("a session is still running; stop it first")
            return False
        try:
            capture = self._open_capture(request)
        except (CaptureError, ClientError) as exc:
            self._set_state("error", str(exc))
            self.error.emit(str(exc))
            return False
        self._capture = capture
        spec = SessionSpec(
            source_language=request.source_language,
            target_languages=request.target_languages,
            first_segment_id=self._next_segment_id,
            audio_offset_s=self._audio_offset_s,
            asr=request.asr,
            mt=request.mt,
            conversation=request.conversation,
            room=request.room,
            room_token=request.room_token,
            glossary=request.glossary,
        )
        self._set_state("connecting", request.connection.describe())
        self._future = self._thread.submit(
            self._session(request.connection, spec, capture, request.push_to_talk)
        )
        # emitted once the future is done, so a slot that starts the next session sees running == False
        self._future.add_done_callback(lambda _future: self.session_finished.emit())
        return True

    def _open_capture(self, request: SessionRequest) -> AudioCapture:
        if request.input_file:
            sound: SoundModule = FileSoundModule(Path(request.input_file), speed=self._file_speed)
        else:
            sound = self._sound()
        device = find_device(list_input_devices(sound), request.device)
        if device is None:
            raise CaptureError(NO_DEVICE_MESSAGE)
        capture = AudioCapture(sound, device)
        capture.start()
        return capture

    async def _session(
        self, connection: ConnectionSpec, spec: SessionSpec, capture: AudioCapture, ptt: PushToTalk | None
    ) -> None:
        timeline = CaptureTimeline()
        try:
            async for event in run_session(self._link, connection, spec, capture, timeline, ptt):
                self._on_event(event, timeline)
        except ClientError as exc:
            self._set_state("error", str(exc))
            self.error.emit(str(exc))
        except asyncio.CancelledError:
            log.info("session cancelled")
            self._set_state("stopped", "")
        except Exception as exc:
            log.exception("session failed")
            self._set_state("error", f"unexpected error: {exc}")
            self.error.emit(f"unexpected error: {exc}")
        else:
            if capture.dropped_s > 0:
                self.error.emit(f"{capture.dropped_s:.1f} s of audio were skipped: the backend fell behind.")
            if capture.ended_unexpectedly and not capture.device.name.startswith("file:"):
                self.error.emit(f"The audio input {capture.device.name!r} stopped (unplugged?).")
            self._set_state("stopped", "")
        finally:
            capture.close()

    def _on_event(self, event: SessionEvent, timeline: CaptureTimeline) -> None:
        if isinstance(event, ConnectionState):
            self._set_state(event.status, event.detail)
        if isinstance(event, Final):
            self._next_segment_id = max(self._next_segment_id, event.segment_id + 1)
            self._audio_offset_s = max(self._audio_offset_s, event.audio_end_s)
            delay_s = timeline.delay_s(event.audio_end_s)
            if delay_s is not None:
                self.delay_measured.emit(delay_s)
        self.event_received.emit(event)

    def _set_state(self, state: str, detail: str) -> None:
        self.state = state
        self.state_changed.emit(state, detail)

    def stop(self) -> None:
        """Ends the input; the session flushes its last segment, then finishes (cancelled if it hangs).

        While reconnecting there is no server to flush to: the session is cancelled at once.
        """
        capture, future = self._capture, self._future
        self._capture = None
        if capture is not None:
            capture.close()
        if future is not None and not future.done():
            if self.state in ("reconnecting", "connecting"):
                future.cancel()
            else:
                self._thread.loop.call_soon_threadsafe(self._cancel_later, future)

    def _cancel_later(self, future: concurrent.futures.Future[None]) -> None:
        self._thread.loop.call_later(STOP_GRACE_S, future.cancel)

    def shutdown(self) -> None:
        """Stops the session and the embedded backend, then the loop thread (call once, on quit)."""
        self.stop()
        future = self._future
        if future is not None:
            try:
                future.result(timeout=STOP_GRACE_S)
            except (concurrent.futures.TimeoutError, concurrent.futures.CancelledError):
                future.cancel()
        try:
            self._thread.submit(self._link.close()).result(timeout=10.0)
        except concurrent.futures.TimeoutError:
            log.warning("embedded backend did not stop in time")
        self._thread.stop()
