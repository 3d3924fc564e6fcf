"""`tolk app`: the desktop app's entry point (the only place that reads QSettings and TOLK_TOKEN).

tolk app                                   open the window with the saved settings
tolk app --input-file F --from en --to es --start --quit-after 40 --export out.srt
                                           unattended: play F as the microphone, quit, write out.srt
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from tolk.common.keyfiles import TokenFileError
from tolk.common.langcodes import language_list

LAUNCHED_AT = time.monotonic()
ORGANIZATION = "Tolk"
APPLICATION = "tolk"
EXPORT_SUFFIXES = (".srt", ".vtt", ".txt")
EXIT_USAGE = 2
EXIT_NO_DISPLAY = 3
EXIT_CODES_HELP = """exit status:
  0    the window was closed (or --quit-after passed)
  1    internal error (a bug: please report it)
  2    usage error (bad or missing arguments, missing --input-file)
  3    no display to open a window on, or the app extra (PySide6) is not installed"""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "app",
        help="open the desktop interpreter",
        description="Open the Tolk desktop app: live captions and translations of a microphone or a file, "
        "with the backend in this process (offline) or on a Tolk server.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--input-file", type=Path, help="play this audio file as the microphone")
    parser.add_argument(
        "--file-speed", type=float, default=1.0, metavar="X", help="play --input-file X times real time"
    )
    parser.add_argument("--device", help="input device name (default: the saved or first device)")
    parser.add_argument(
        "--glossary", type=Path, metavar="FILE", help="open this glossary in the Glossary tab"
    )
    parser.add_argument("--from", dest="source", help="language spoken (e.g. en)")
    parser.add_argument(
        "--to", dest="targets", action="append", metavar="LANG", help="target language (repeat, or es,fr)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--offline", action="store_true", help="run the backend inside the app")
    mode.add_argument("--server", metavar="HOST:PORT", help="connect to a Tolk server")
    parser.add_argument("--tls", action="store_true", default=None, help="use TLS for --server")
    parser.add_argument("--tls-ca", type=Path, metavar="PEM", help="CA that signed the server certificate")
    parser.add_argument("--tls-cert", type=Path, metavar="PEM", help="client certificate (mutual TLS)")
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="client private key (mutual TLS)")
    parser.add_argument("--tls-server-name", metavar="NAME", help="name to check in the server certificate")
    parser.add_argument(
        "--token", help="server token (visible in `ps`: prefer $TOLK_TOKEN or --token-file); never saved"
    )
    parser.add_argument(
        "--token-file", type=Path, metavar="FILE", help="read the server token from FILE ($TOLK_TOKEN_FILE)"
    )
    parser.add_argument("--start", action="store_true", help="start the session right away")
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help="quit after this many seconds")
    parser.add_argument(
        "--export", type=Path, metavar="FILE", help="on quit, write captions (.srt/.vtt/.txt)"
    )
    parser.add_argument("--overlay", action="store_true", help="show the subtitle overlay")
    parser.add_argument(
        "--screenshots", type=Path, metavar="DIR", help="on quit, save PNGs of the window, overlay and screen"
    )
    parser.add_argument(
        "--settings", type=Path, help="settings file (default: the platform's place for Tolk settings)"
    )
    parser.add_argument(
        "--conversation",
        type=_pair,
        metavar="A,B",
        help="conversation mode between two languages (e.g. en,es)",
    )
    parser.set_defaults(run=run)
    return parser


def _pair(value: str) -> tuple[str, str]:
    from tolk.app.travel_cli import parse_pair  # only when the flag is used: keeps the app's start fast

    return parse_pair(value)


def _override(settings: Any, args: argparse.Namespace) -> Any:
    """Command-line flags win over saved settings (and are saved, like a change in the window)."""
    changes: dict[str, Any] = {}
    if args.input_file is not None:
        changes["input_file"] = str(args.input_file.resolve())
    if args.device:
        changes["device"], changes["input_file"] = args.device, ""
    if args.source:
        changes["source_language"] = args.source
    if args.targets is not None:
        changes["target_languages"] = language_list(args.targets)
    if args.offline:
        changes["mode"] = "offline"
    if args.server:
        changes["mode"], changes["server_address"] = "server", args.server
    if args.tls is not None or args.tls_ca or args.tls_cert:
        changes["tls"] = bool(args.tls or args.tls_ca or args.tls_cert)
    if args.overlay:
        changes["overlay"] = replace(settings.overlay, visible=True)
    if args.glossary is not None:
        changes["glossary_file"] = str(args.glossary.resolve())
    return replace(settings, **changes)


def _check(args: argparse.Namespace) -> str | None:
    if args.input_file is not None and not args.input_file.is_file():
        return f"tolk app: {args.input_file}: no such file"
    if args.glossary is not None:
        from tolk.common.errors import InvalidArgument
        from tolk.common.glossary import load_glossary

        try:
            load_glossary(args.glossary)
        except InvalidArgument as exc:
            return f"tolk app: {exc}"
    if args.export is not None and args.export.suffix.lower() not in EXPORT_SUFFIXES:
        return "tolk app: --export must end in .srt, .vtt or .txt"
    if args.file_speed <= 0:
        return "tolk app: --file-speed must be positive"
    if args.quit_after is not None and args.quit_after <= 0:
        return "tolk app: --quit-after must be positive"
    return None


def resolve_token(args: argparse.Namespace, env: Mapping[str, str]) -> str:
    """The server token: --token, else --token-file, else $TOLK_TOKEN, else $TOLK_TOKEN_FILE, else "".

    Read once here and passed down in memory; never written anywhere. Raises TokenFileError (one line)
    for an unreadable file or one without a token.
    """
    from tolk.app.transport.channel import read_token_file

    if args.token:
        return str(args.token)
    if args.token_file is not None:
        return read_token_file(args.token_file)
    if env.get("TOLK_TOKEN"):
        return env["TOLK_TOKEN"]
    if env.get("TOLK_TOKEN_FILE"):
        return read_token_file(Path(env["TOLK_TOKEN_FILE"]))
    return ""


def display_problem(env: Mapping[str, str], platform: str = sys.platform) -> str | None:
    """Why Qt could not open a window here (it would abort the process), or None."""
    qpa = env.get("QT_QPA_PLATFORM", "")
    if not platform.startswith("linux") or (qpa and not qpa.startswith(("xcb", "wayland"))):
        return None  # macOS/Windows, or offscreen/minimal/vnc/eglfs chosen on purpose
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "tolk app: no display (DISPLAY and WAYLAND_DISPLAY are unset); run it in a desktop session, "
        "or set QT_QPA_PLATFORM=offscreen for an unattended run"
    )


def run(args: argparse.Namespace) -> int:
    problem = _check(args)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    try:
        token = resolve_token(args, os.environ)
    except TokenFileError as exc:
        print(f"tolk app: {exc}", file=sys.stderr)
        return EXIT_USAGE
    problem = display_problem(os.environ)
    if problem is None and importlib.util.find_spec("PySide6") is None:
        problem = "tolk app: the desktop app needs PySide6: pip install 'tolk-interpreter[app]'"
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_NO_DISPLAY
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from tolk.app.audio.capture import load_sound_module
    from tolk.app.controller import Controller
    from tolk.app.ui.main_window import MainWindow
    from tolk.app.ui.settings import load_settings, save_settings
    from tolk.models.store import resolve_store_dir

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    qsettings = QSettings(str(args.settings), QSettings.Format.IniFormat) if args.settings else QSettings()
    settings = _override(load_settings(qsettings), args)
    from tolk.app.transport.channel import ClientTls

    tls_files = ClientTls(args.tls_ca, args.tls_cert, args.tls_key, args.tls_server_name)
    controller = Controller(
        load_sound_module,
        file_speed=args.file_speed,
        model_dir=resolve_store_dir(None, os.environ),
        tls_files=tls_files,
    )
    if args.conversation:  # the split conversation view instead of the main window
        return run_conversation(app, controller, settings, args, token, qsettings)
    window = MainWindow(controller, settings, token)
    window.settings_changed.connect(lambda s: save_settings(qsettings, s))
    save_settings(qsettings, settings)
    window.show()
    if settings.overlay.visible:
        window.overlay.show()
    QTimer.singleShot(0, lambda: _report_visible(window))
    controller.fetch_capabilities(window.connection_spec())
    if args.start:
        QTimer.singleShot(0, window.start_session)
    if args.quit_after is not None:
        QTimer.singleShot(int(args.quit_after * 1000), lambda: _quit(window, args.screenshots))
    code = app.exec()
    controller.shutdown()  # the open segment is flushed: its final and translations are queued signals
    app.processEvents()
    window.view.flush()
    if args.export is not None:
        window.export(args.export)
        print(f"wrote {args.export} ({len(window.model.finals)} captions)", file=sys.stderr)
    return int(code)


def run_conversation(
    app: Any, controller: Any, settings: Any, args: argparse.Namespace, token: str, qsettings: Any
) -> int:
    from dataclasses import replace

    from PySide6.QtCore import QTimer

    from tolk.app.backend_link import ConnectionSpec
    from tolk.app.ui.conversation_window import ConversationWindow
    from tolk.app.ui.settings import save_settings

    connection = ConnectionSpec(settings.mode, settings.server_address, settings.tls, token)
    window = ConversationWindow(
        controller, args.conversation, connection, settings.device, settings.input_file,
        speak=settings.speak_translations, speech_output=settings.speech_output,
    )  # fmt: skip
    window.speech_changed.connect(
        lambda speak, output: save_settings(
            qsettings, replace(settings, speak_translations=speak, speech_output=output)
        )
    )
    window.show()
    window.start()
    if args.quit_after is not None:
        QTimer.singleShot(int(args.quit_after * 1000), window.close)
    code = app.exec()
    controller.shutdown()
    return int(code)


def _quit(window: Any, screenshots: Path | None) -> None:
    if screenshots is not None:
        save_screenshots(window, screenshots)
    window.close()


def save_screenshots(window: Any, folder: Path) -> list[Path]:
    """main-window.png, overlay.png (when shown) and screen.png (the whole screen, as a user sees it)."""
    from PySide6.QtGui import QGuiApplication

    folder.mkdir(parents=True, exist_ok=True)
    window.view.flush()
    shots = {"main-window.png": window.grab()}
    if window.overlay.isVisible():
        window.overlay.repaint()
        shots["overlay.png"] = window.overlay.grab()
    screen = QGuiApplication.primaryScreen()
    if screen is not None:
        shots["screen.png"] = screen.grabWindow(0)
    saved = []
    for name, pixmap in shots.items():
        if not pixmap.isNull() and pixmap.save(str(folder / name)):
            saved.append(folder / name)
    print("saved " + ", ".join(str(p) for p in saved), file=sys.stderr)
    return saved


def _process_age_s() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere: since this module loaded)."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime_s = float(Path("/proc/uptime").read_text().split()[0])
        return uptime_s - ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return time.monotonic() - LAUNCHED_AT


def _report_visible(window: Any) -> None:
    if os.environ.get("TOLK_APP_TIMING"):
        print(f"window visible {_process_age_s():.2f} s after the process started", file=sys.stderr)
