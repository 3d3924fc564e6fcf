"""Dictation: spoken commands and numbers+units (tables, then synthesized speech through Offline mode in a
network namespace with only loopback), and exports (TXT/Markdown/DOCX, encrypted)."""

from __future__ import annotations

import io
import ipaddress
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tolk.app.core.dictation import DictationDocument, convert, render
from tolk.app.core.export import ExportError, decrypt, export
from tolk.app.core.export import render as render_export

from .conftest import Speak


@pytest.mark.parametrize(
    ("language", "spoken", "written"),
    [
        ("en", "take five milligrams of metformin twice a day period", "Take 5 mg of metformin twice a day."),
        ("en", "weight seventy two point five kilograms comma height one hundred and eighty",
         "Weight 72.5 kg, height 180"),
        ("en", "Dose: 10 milligrams. Period. New paragraph follow up", "Dose: 10 mg.\n\nFollow up"),
        ("en", "one of the patients question mark new line yes", "One of the patients?\nYes"),
        ("en", "saturation ninety five percent", "Saturation 95%"),
        ("en", "blood pressure one hundred and thirty over eighty", "Blood pressure 130/80"),
        ("en", "open parenthesis see note close parenthesis", "(see note)"),
        ("es", "tome cinco miligramos coma dos veces al día punto y aparte control",
         "Tome 5 mg, dos veces al día\n\nControl"),
        ("de", "fünf Milligramm Punkt", "Fünf Milligramm Punkt"),  # no German table: passed through
    ],
)  # fmt: skip
def test_commands_and_numbers(language: str, spoken: str, written: str) -> None:
    assert render(convert(spoken, language)) == written


def test_edits_are_kept_and_dictation_continues_after_them() -> None:
    doc = DictationDocument("en")
    doc.add_final("patient is stable period")
    doc.edit("Patient is stable and alert.")
    doc.add_final("new paragraph plan two tablets")
    assert doc.text == "Patient is stable and alert.\n\nPlan 2 tablets"


def test_exports_and_encryption(tmp_path: Path) -> None:
    import docx

    text = "Take 5 mg of metformin.\n\nFollow up in 2 weeks."
    assert export(text, tmp_path / "a.txt", "txt").read_text() == text + "\n"
    assert export(text, tmp_path / "a.md", "md").read_text().startswith("# Dictation\n\nTake 5 mg")
    document = docx.Document(str(export(text, tmp_path / "a.docx", "docx")))
    assert [p.text for p in document.paragraphs][1:] == ["Take 5 mg of metformin.", "Follow up in 2 weeks."]
    locked = export(text, tmp_path / "b.docx", "docx", passphrase="correct horse")
    assert locked.name == "b.docx.enc" and not (tmp_path / "b.docx").exists()
    blob = locked.read_bytes()
    assert b"metformin" not in blob
    plain = decrypt(blob, "correct horse")
    assert plain[:2] == b"PK" and [p.text for p in docx.Document(io.BytesIO(plain)).paragraphs][1] == (
        "Take 5 mg of metformin."
    )
    with pytest.raises(ExportError, match="wrong passphrase"):
        decrypt(blob, "wrong horse")
    with pytest.raises(ExportError, match="wrong passphrase"):
        decrypt(blob[:-1] + bytes([blob[-1] ^ 1]), "correct horse")
    assert render_export("x", "txt") == b"x\n"


PROBE = Path(__file__).with_name("offline_probe.py")
NAMESPACE = ["unshare", "--user", "--map-root-user", "--net"]


def _namespace_problem() -> str | None:
    """Why a user + network namespace cannot be made here, or None."""
    for tool, package in (("unshare", "util-linux"), ("ip", "iproute2")):
        if shutil.which(tool) is None:
            return f"{tool} ({package}) is not installed"
    done = subprocess.run([*NAMESPACE, "ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if done.returncode:
        return f"this machine refuses unprivileged network namespaces: {done.stderr.strip()}"
    return None


def _host(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(address.rsplit(":", 1)[0])
    return ip.ipv4_mapped or ip if isinstance(ip, ipaddress.IPv6Address) else ip


def test_offline_dictation_in_a_network_namespace_with_only_loopback(
    whisper_base_store: Any, speak: Speak, tmp_path: Path
) -> None:
    """Offline mode (in-process backend with the real Whisper base and Apertium, the glossary in the
    session, the app's pipeline and dictation document) runs in a fresh network namespace that has only
    the loopback interface, so no socket can leave the machine: not Python's, not gRPC core's. It still
    produces the record; every socket it held (sampled from /proc/self/net) is a loopback one; it writes
    nothing to HOME, the working directory or TMPDIR."""
    problem = _namespace_problem()
    if problem:
        pytest.skip(f"needs a network namespace (unshare -rn): {problem}")
    audio = speak(
        "take five milligrams of metformin twice a day. period. new paragraph. follow up in two weeks"
    )
    home, work, temp = (tmp_path / name for name in ("home", "work", "tmp"))
    for folder in (home, work, temp):
        folder.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(temp), "XDG_CACHE_HOME": str(home / ".cache")}
    command = [sys.executable, str(PROBE), str(audio), str(whisper_base_store.root)]
    script = 'ip link set lo up && exec "$@"'
    done = subprocess.run(
        [*NAMESPACE, "sh", "-c", script, "sh", *command],
        cwd=work, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["interfaces"] == ["lo"]
    assert "unreachable" in report["outside"], report["outside"]  # the namespace really has no way out
    assert report["text"].startswith("Take 5 mg of metformin twice a day.\n\nFollow"), report["text"]
    assert report["text"].endswith("in 2 weeks"), report["text"]
    forced = [t for t in report["translations"] if t["glossary"] == ["metformin"]]
    assert forced and "metformina" in forced[0]["text"], report["translations"]
    sockets = [(table, _host(local), _host(remote)) for table, local, remote in report["sockets"]]
    assert any(remote.is_loopback for _, _, remote in sockets), sockets  # the gRPC channel was seen
    outside = [s for s in sockets if not all(ip.is_loopback or ip.is_unspecified for ip in s[1:])]
    assert not outside, outside
    assert [list(folder.iterdir()) for folder in (home, work, temp)] == [[], [], []]
