"""`tolk serve` with mutual TLS and tokens, and `tolk translate --server` with the client flags."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tolk.app.transport.channel import ClientTls, channel_credentials

from .certs import Pki, make_pki
from .serverproc import ROOT, spawn

TOKEN = "ci-0123456789abcdef0123456789"
CLI = "import sys; from tolk.app.cli import main; sys.exit(main())"
CLIP_S = 4.0
EXIT_AUTH = 6
EXIT_USAGE = 2


def _translate(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clip = tmp_path / "clip.wav"
    if not clip.exists():
        import soundfile as sf

        samples, rate = sf.read(ROOT / "samples" / "sense-and-sensibility.wav", dtype="int16")
        sf.write(clip, samples[: int(CLIP_S * rate)], rate)
    command = [sys.executable, "-c", CLI, "translate", str(clip), "--from", "en", "--to", "es", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.mark.slow
async def test_translate_over_mutual_tls_with_a_token_file(tmp_path: Path, pki: Pki) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text(f"ci {TOKEN}\n")
    client_token = tmp_path / "token"
    client_token.write_text(f"{TOKEN}\n")
    server_flags = ["--tls-cert", str(pki.server_cert), "--tls-key", str(pki.server_key)]
    server_flags += ["--tls-client-ca", str(pki.ca), "--auth-tokens", str(tokens)]
    proc = spawn(server_flags, tmp_path / "server.log")
    try:
        tls = ClientTls(ca=pki.ca, cert=pki.client_cert, key=pki.client_key)
        await asyncio.to_thread(proc.wait_serving, channel_credentials(tls))
        mtls = ["--server", proc.target, "--tls-ca", str(pki.ca)]
        mtls += ["--tls-cert", str(pki.client_cert), "--tls-key", str(pki.client_key)]
        ok = await asyncio.to_thread(_translate, [*mtls, "--token-file", str(client_token)], tmp_path)
        no_token = await asyncio.to_thread(_translate, mtls, tmp_path)
        bad_file = await asyncio.to_thread(
            _translate, [*mtls, "--token-file", str(tmp_path / "nope")], tmp_path
        )
    finally:
        proc.stop()
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip()
    assert no_token.returncode == EXIT_AUTH, no_token.stderr
    assert bad_file.returncode == EXIT_USAGE and "cannot read token file" in bad_file.stderr
    assert TOKEN not in (tmp_path / "server.log").read_text()
