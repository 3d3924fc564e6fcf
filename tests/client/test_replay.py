"""The replay buffer and ledger of the reconnecting session: what is re-sent, where a new stream starts."""

import numpy as np
import pytest

from tolk.app.core.events import Final, Partial, Started, Translation
from tolk.app.transport.events import AudioChunk, Boundary
from tolk.app.transport.replay import ReplayBuffer
from tolk.app.transport.resilient import RetryPolicy, _Ledger

RATE = 16_000


def chunk(t_s: float, seconds: float = 0.1) -> AudioChunk:
    return AudioChunk(np.zeros(int(RATE * seconds), "<i2").tobytes(), t_s)


def client_vad_buffer(max_s: float = 60.0) -> ReplayBuffer:
    buffer = ReplayBuffer(RATE, client_vad=True, max_s=max_s)
    for item in [Boundary("start", 1.0), chunk(1.0), chunk(1.1), Boundary("end", 1.2)]:
        buffer.append(item)
    for item in [Boundary("start", 2.0), chunk(2.0), chunk(2.1)]:
        buffer.append(item)
    return buffer


def test_client_vad_replays_unfinished_segments_from_their_start() -> None:
    buffer = client_vad_buffer()
    origin, items = buffer.replay()
    assert origin == 1.0 and len(items) == 7
    buffer.complete_until(1.2)
    origin, items = buffer.replay()
    assert origin == 2.0
    assert items == [Boundary("start", 2.0), chunk(2.0), chunk(2.1)]
    assert buffer.position_s == pytest.approx(2.2)


def test_client_vad_ignores_audio_outside_speech_and_keeps_a_later_open_segment() -> None:
    buffer = client_vad_buffer()
    buffer.append(Boundary("end", 2.2))
    buffer.append(chunk(3.0))  # outside speech
    buffer.complete_until(2.2)
    assert buffer.replay() == (pytest.approx(3.1), [])
    buffer.append(Boundary("start", 4.0))
    buffer.complete_until(3.5)
    assert buffer.replay() == (4.0, [Boundary("start", 4.0)])


def test_server_vad_replays_continuous_audio_after_the_last_complete_end() -> None:
    buffer = ReplayBuffer(RATE, client_vad=False, max_s=60.0)
    for i in range(10):
        buffer.append(chunk(i * 0.1))
    buffer.complete_until(0.45)
    origin, items = buffer.replay()
    assert origin == pytest.approx(0.4)
    assert [round(c.t_s, 1) for c in items if isinstance(c, AudioChunk)] == [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]


def test_buffer_is_bounded_and_counts_what_it_dropped() -> None:
    buffer = ReplayBuffer(RATE, client_vad=False, max_s=0.5)
    for i in range(20):
        buffer.append(chunk(i * 0.1))
    assert buffer.buffered_s == pytest.approx(0.5)
    assert buffer.dropped_s == pytest.approx(1.5)
    assert buffer.replay()[0] == pytest.approx(1.5)


def test_ledger_completes_a_segment_only_with_all_translations_and_drops_repeats() -> None:
    buffer = client_vad_buffer()
    ledger = _Ledger(("es", "fr"), buffer, first_id=5)
    assert ledger.accept(Started("a", "x", "y"))
    assert ledger.accept(Partial(5, "he", "", "en", 1.0, 1.1))
    assert ledger.accept(Final(5, "hello", "en", 1.0, 1.2))
    assert ledger.accept(Translation(5, "en", "es", "hola", True))
    assert ledger.next_id == 5 and buffer.replay()[0] == 1.0  # fr still missing: segment 5 is re-sent
    # a new stream re-sends segment 5: only the missing translation passes
    assert not ledger.accept(Partial(5, "he", "", "en", 1.0, 1.1))
    assert not ledger.accept(Final(5, "hello", "en", 1.0, 1.2))
    assert not ledger.accept(Translation(5, "en", "es", "hola", True))
    assert ledger.accept(Translation(5, "en", "fr", "salut", True))
    assert ledger.next_id == 6 and buffer.replay()[0] == 2.0
    assert not ledger.accept(Translation(5, "en", "fr", "salut", True))
    assert not ledger.accept(Final(5, "hello", "en", 1.0, 1.2))


def test_ledger_without_targets_completes_on_the_final() -> None:
    ledger = _Ledger((), client_vad_buffer(), first_id=0)
    ledger.accept(Final(0, "hello", "en", 1.0, 1.2))
    assert ledger.next_id == 1


def test_ledger_out_of_order_translations_complete_in_id_order() -> None:
    ledger = _Ledger(("es",), client_vad_buffer(), first_id=0)
    ledger.accept(Final(0, "a", "en", 1.0, 1.2))
    ledger.accept(Final(1, "b", "en", 2.0, 2.2))
    ledger.accept(Translation(1, "en", "es", "b", True))
    assert ledger.next_id == 0
    ledger.accept(Translation(0, "en", "es", "a", True))
    assert ledger.next_id == 2


def test_backoff_grows_to_its_cap() -> None:
    policy = RetryPolicy(initial_backoff_s=0.1, max_backoff_s=1.0, multiplier=2.0, jitter=0.0)
    assert [policy.backoff_s(n) for n in (1, 2, 3, 4, 5, 6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]


def test_a_segment_cut_by_the_server_is_resent_from_the_cut_only() -> None:
    buffer = ReplayBuffer(RATE, client_vad=True, max_s=60.0)
    for item in [Boundary("start", 1.0), chunk(1.0), chunk(1.1), chunk(1.2)]:
        buffer.append(item)
    buffer.complete_until(1.2)  # the server flushed the open segment at the cut (1.2 s)
    assert buffer.replay() == (1.2, [Boundary("start", 1.2), chunk(1.2)])
    assert buffer.buffered_s == pytest.approx(0.1)
    buffer.complete_until(1.3)  # cut again right at the end of what was sent
    buffer.append(chunk(1.3))
    assert buffer.replay() == (1.3, [Boundary("start", 1.3), chunk(1.3)])


def test_a_closed_segment_fully_covered_by_a_cut_final_is_forgotten() -> None:
    buffer = ReplayBuffer(RATE, client_vad=True, max_s=60.0)
    for item in [Boundary("start", 1.0), chunk(1.0), Boundary("end", 1.15)]:
        buffer.append(item)
    buffer.complete_until(1.1)
    assert buffer.replay() == (pytest.approx(1.15), [])
