"""The app's persisted settings: one dataclass, loaded from and saved to QSettings at the entry point.

Widgets receive an `AppSettings` through their constructors and hand back changes; only `launch.py`
(and tests) call `load_settings` / `save_settings`. The server token is never written to disk: it comes
from the command line or TOLK_TOKEN at the entry point and lives in memory only.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from PySide6.QtCore import QByteArray, QSettings

Mode = Literal["offline", "server"]
ORIGINAL = "original"
"""Overlay language value that shows the recognized speech instead of a translation."""


@dataclass(frozen=True)
class OverlayLook:
    """How the subtitle overlay looks and where it sits.

    Attributes:
        language: target language to show, or ORIGINAL for the recognized speech.
        lines: how many of the latest lines to show (1-3).
        font_pt: font size in points (large enough to read from the back of a room).
        text_color: text colour, "#rrggbb".
        background_color: background colour, "#rrggbb".
        background_alpha: background opacity, 0 (clear) to 255 (solid).
        outline_px: width of the dark outline around the letters; 0 for none.
        click_through: mouse clicks pass through the overlay to the window below.
        visible: the overlay is shown.
        geometry: saved position and size (QWidget.saveGeometry), empty for the default place.
    """

    language: str = "es"
    lines: int = 2
    font_pt: int = 32
    text_color: str = "#ffffff"
    background_color: str = "#000000"
    background_alpha: int = 170
    outline_px: int = 3
    click_through: bool = False
    visible: bool = False
    geometry: bytes = b""


@dataclass(frozen=True)
class AppSettings:
    """Everything the app remembers between runs.

    Attributes:
        device: name of the chosen input device; empty for the system default.
        input_file: audio file played as a microphone; empty to use the device.
        source_language: language spoken.
        target_languages: languages to translate into.
        mode: "offline" runs an embedded backend in-process; "server" connects to `server_address`.
        server_address: host:port of a Tolk server.
        tls: use TLS for the server connection.
        window_geometry: saved main window geometry.
        overlay: the subtitle overlay's look.
        asr: ASR engine chosen in the model picker ("" = automatic).
        mt: MT engine chosen in the model picker ("" = automatic).
        glossary_file: the glossary the Glossary tab opened or saved last ("" = none).
        speak_translations: conversation mode speaks each final translation.
        speech_output: name of the output device spoken translations play on ("" = system default).
    """

    device: str = ""
    input_file: str = ""
    source_language: str = "en"
    target_languages: tuple[str, ...] = ("es",)
    mode: Mode = "offline"
    server_address: str = "localhost:50051"
    tls: bool = False
    window_geometry: bytes = b""
    overlay: OverlayLook = field(default_factory=OverlayLook)
    asr: str = ""
    mt: str = ""
    glossary_file: str = ""
    speak_translations: bool = False
    speech_output: str = ""


def _read(qs: QSettings, key: str, default: Any) -> Any:
    value = qs.value(key)
    if value is None:
        return default
    if isinstance(default, bool):
        return value in (True, "true", "1", 1)
    if isinstance(default, int):
        try:
            return int(value)
        except (TypeError, ValueError):
            return default
    if isinstance(default, bytes):
        return bytes(value.data()) if isinstance(value, QByteArray) else default
    if isinstance(default, tuple):
        items = value if isinstance(value, list) else str(value).split(",")
        return tuple(str(item) for item in items if str(item))
    return str(value)


def _write(qs: QSettings, key: str, value: Any) -> None:
    if isinstance(value, bytes):
        qs.setValue(key, QByteArray(value))
    elif isinstance(value, tuple):
        qs.setValue(key, ",".join(value))
    else:
        qs.setValue(key, value)


def load_settings(qs: QSettings) -> AppSettings:
    """Reads settings; missing or malformed values fall back to the defaults."""
    base = AppSettings()
    look = OverlayLook()
    overlay = replace(
        look, **{f.name: _read(qs, f"overlay/{f.name}", getattr(look, f.name)) for f in fields(look)}
    )
    values = {f.name: _read(qs, f.name, getattr(base, f.name)) for f in fields(base) if f.name != "overlay"}
    if values["mode"] not in ("offline", "server"):
        values["mode"] = base.mode
    overlay = replace(overlay, lines=min(3, max(1, overlay.lines)), font_pt=max(8, overlay.font_pt))
    return replace(base, overlay=overlay, **values)


def save_settings(qs: QSettings, settings: AppSettings) -> None:
    for f in fields(settings):
        if f.name != "overlay":
            _write(qs, f.name, getattr(settings, f.name))
    for f in fields(settings.overlay):
        _write(qs, f"overlay/{f.name}", getattr(settings.overlay, f.name))
    qs.sync()
