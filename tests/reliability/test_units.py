"""Plain-class tests: token files, admission and quotas, delay timeline, JSON logs."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from tolk.app.transport.channel import call_metadata, read_token_file
from tolk.backend.logs import JsonFormatter, bind_session, configure_logging
from tolk.backend.metrics import StreamTimeline
from tolk.backend.quotas import Admission
from tolk.backend.security import bearer_token, load_tokens, parse_tokens, peer_identity
from tolk.common.errors import ResourceExhausted
from tolk.common.keyfiles import TokenFileError

ALICE = "a" * 20 + "-alice-secret"
BOB = "b" * 24


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---- tokens ----


def test_token_file_names_tokens_and_skips_comments() -> None:
    tokens = parse_tokens(f"# team tokens\n\nalice {ALICE}  # laptop\n{BOB}\n")
    assert tokens.identify(ALICE) == "alice"
    assert tokens.identify(BOB) == "token-4"
    assert tokens.identify(ALICE[:-1]) is None
    assert tokens.identify("") is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no tokens"),
        ("# only a comment\n", "no tokens"),
        ("short\n", "line 1: token shorter than 16"),
        (f"a b {BOB}\n", "line 1: expected"),
    ],
)
def test_bad_token_files_name_the_line_never_the_token(text: str, reason: str) -> None:
    with pytest.raises(TokenFileError, match=reason) as info:
        parse_tokens(text)
    assert BOB not in str(info.value)


def test_missing_token_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(TokenFileError, match="cannot read token file"):
        load_tokens(tmp_path / "nope")


def test_client_reads_the_last_field_of_the_first_token_line(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(f"# mine\nalice {ALICE}\n{BOB}\n")
    assert read_token_file(path) == ALICE
    assert bearer_token(call_metadata(ALICE)) == ALICE
    assert bearer_token([("authorization", "Basic xyz")]) is None
    assert bearer_token([("Authorization", f"bearer {BOB}")]) == BOB
    assert call_metadata(None) == ()


@pytest.mark.parametrize(
    ("peer", "identity"),
    [("ipv4:127.0.0.1:5555", "ipv4:127.0.0.1"), ("ipv6:[::1]:5555", "ipv6:[::1]"), ("unix:/x", "unix:/x")],
)
def test_peer_identity_drops_the_port(peer: str, identity: str) -> None:
    assert peer_identity(peer) == identity


# ---- admission and quotas ----


def test_capacity_rejects_the_next_stream_and_releasing_frees_a_slot() -> None:
    admission = Admission(max_sessions=2)
    first, _second = admission.admit("a"), admission.admit("b")
    with pytest.raises(ResourceExhausted, match="capacity"):
        admission.admit("c")
    assert admission.active == 2
    first.release()
    first.release()  # idempotent
    assert admission.active == 1
    admission.admit("c")


def test_per_client_stream_quota_touches_only_that_client() -> None:
    admission = Admission(max_sessions=10, max_streams_per_client=2)
    admission.admit("greedy")
    admission.admit("greedy")
    with pytest.raises(ResourceExhausted, match="2 concurrent streams"):
        admission.admit("greedy")
    admission.admit("polite")
    assert (admission.streams_of("greedy"), admission.streams_of("polite")) == (2, 1)


def test_audio_quota_is_a_token_bucket_per_client() -> None:
    clock = Clock()
    admission = Admission(audio_s_per_min=60.0, clock=clock)
    admission.charge("a", 59.0)
    admission.charge("b", 59.0)
    with pytest.raises(ResourceExhausted, match="60 audio seconds per minute"):
        admission.charge("a", 2.0)
    with pytest.raises(ResourceExhausted):
        admission.admit("a")  # a dry bucket refuses new streams too
    clock.now += 30.0  # refills 30 s
    admission.charge("a", 29.0)
    admission.charge("b", 1.0)
    clock.now += 3600.0  # never more than one minute's worth
    admission.charge("a", 60.0)
    with pytest.raises(ResourceExhausted):
        admission.charge("a", 0.5)


# ---- delay timeline ----


def test_timeline_measures_from_the_arrival_of_the_covering_audio() -> None:
    clock = Clock()
    timeline = StreamTimeline(clock)
    for _ in range(10):  # 1 s of audio in 100 ms chunks, arriving in real time
        timeline.audio(0.1)
        clock.now += 0.1
    clock.now += 0.2
    assert timeline.delay(0.55) == pytest.approx(0.7)  # the chunk ending at 0.6 s arrived at +0.5 s
    assert timeline.final(7, 1.0) == pytest.approx(0.3)
    clock.now += 0.5
    assert timeline.translation(7, True) == pytest.approx(0.8)
    assert timeline.translation(7, False) is None
    assert timeline.translation(8, True) is None
    assert timeline.delay(5.0) is None  # audio that never arrived


def test_client_vad_timeline_marks_speech_ends() -> None:
    clock = Clock()
    timeline = StreamTimeline(clock)
    timeline.boundary(3.0)
    clock.now += 0.4
    assert timeline.final(0, 3.0) == pytest.approx(0.4)


# ---- logs ----


def test_json_logs_carry_the_session_id_and_extras() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tolk.test.logs")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.DEBUG)  # independent of the root level earlier tests configured
    try:
        with bind_session("s123"):
            logger.warning("stream ended", extra={"finals": 3})
        logger.warning("outside")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["session_id"] == "s123" and first["finals"] == 3 and first["level"] == "warning"
    assert "session_id" not in second and second["message"] == "outside"


def test_configure_logging_is_idempotent() -> None:
    root = logging.getLogger()
    level = root.level
    try:
        configure_logging("warning", stream=io.StringIO())
        configure_logging("info", stream=io.StringIO())
        assert sum(h.get_name() == "tolk-json" for h in root.handlers) == 1
    finally:
        for handler in [h for h in root.handlers if h.get_name() == "tolk-json"]:
            root.removeHandler(handler)
        root.setLevel(level)
