from __future__ import annotations

import threading

import pytest

from tolk.backend.engines.registry import Registry
from tolk.backend.scheduler import BatchScheduler, SchedulerOptions

pytestmark = pytest.mark.neural


def square_all(items: list[int]) -> list[int]:
    return [item * item for item in items]


def run_concurrently(scheduler: BatchScheduler, values: list[int]) -> list[int]:
    results: dict[int, int] = {}
    barrier = threading.Barrier(len(values))

    def call(value: int) -> None:
        barrier.wait()
        results[value] = scheduler.run(square_all, "key", value)

    threads = [threading.Thread(target=call, args=(v,)) for v in values]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return [results[v] for v in values]


def test_concurrent_calls_are_batched_and_each_caller_gets_its_own_result() -> None:
    scheduler = BatchScheduler(SchedulerOptions(max_batch_size=4, max_wait_ms=200))
    try:
        assert run_concurrently(scheduler, list(range(8))) == square_all(list(range(8)))
        assert scheduler.stats.items == 8
        assert scheduler.stats.calls < 8
    finally:
        scheduler.close()


def test_errors_reach_every_caller_of_the_batch() -> None:
    def fail(items: list[int]) -> list[int]:
        raise ValueError("model exploded")

    scheduler = BatchScheduler()
    try:
        with pytest.raises(ValueError, match="exploded"):
            scheduler.run(fail, None, 1)
        assert scheduler.run(square_all, None, 3) == 9
    finally:
        scheduler.close()


@pytest.mark.parametrize("spec", ["seq2seq:opus-mt-en-de", "seq2seq:opus-mt-en-de-ct2-int8", "seq2seq:m2m"])
def test_batched_translations_equal_unbatched(registry: Registry, spec: str) -> None:
    engine = registry.mt(spec)
    texts = ["hello world", "the quick brown fox jumps", "good morning"]
    one_by_one = [engine.translate([text], "en", "de")[0] for text in texts]
    assert engine.translate(texts, "en", "de") == one_by_one


@pytest.mark.parametrize("spec", ["whisper:whisper-tiny", "whisper:whisper-tiny-ct2-int8"])
def test_concurrent_whisper_sessions_equal_sequential(registry: Registry, speech: object, spec: str) -> None:
    from tolk.backend.engines.whisper_asr import WhisperEngine

    engine = registry.asr(spec)
    assert isinstance(engine, WhisperEngine)
    clips = [speech[: 16000 * n] for n in (1, 2, 3)]  # type: ignore[index]
    sequential = [engine.decode(clip, "en", "transcribe") for clip in clips]
    results: dict[int, list[str]] = {}

    def call(i: int) -> None:
        results[i] = engine.decode(clips[i], "en", "transcribe")

    threads = [threading.Thread(target=call, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [results[i] for i in range(3)] == sequential
