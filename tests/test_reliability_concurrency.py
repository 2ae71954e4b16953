"""Concurrency (issue 7, item 1): threads and processes give exactly the decisions of one thread.

The calls are a mixed population (``tests/mixed_population.py``): the general, health and education policies,
both ``cache`` paths, ``to_complete`` on and off, ``as_of`` dates and invalid records. Outcomes are compared as
text (a decision's JSON, or an error's class and codes), byte for byte. The full-size figures (8 threads ×
10,000 calls, 4 processes) come from ``bench/reliability.py``.
"""

from __future__ import annotations

import multiprocessing
import random
import threading
from concurrent.futures import ProcessPoolExecutor

from tests.mixed_population import calls, live_sessions, outcome, outcomes

THREADS = 8
CALLS_PER_THREAD = 250
PROCESSES = 4
SEED = 7


def test_eight_threads_give_the_decisions_of_one_thread() -> None:
    population = calls(CALLS_PER_THREAD, SEED)
    assert {call.cache for call in population} == {True, False}
    assert {call.record["person"].get("sector") for call in population} == {
        "general",
        "health",
        "education",
        "accounting",
    }
    expected = [outcome(call) for call in population]
    assert any('"error"' in text for text in expected) and any('"compliant":true' in text for text in expected)
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(worker: int) -> None:
        try:
            order = list(range(len(population)))
            random.Random(worker).shuffle(order)  # each thread meets the calls in its own order
            start.wait()
            got = {i: outcome(population[i]) for i in order}
            results[worker] = [got[i] for i in range(len(population))]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == list(range(THREADS))
    for worker, got in results.items():
        mismatches = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
        assert mismatches == [], f"thread {worker} differs on calls {mismatches[:5]}"
    assert live_sessions() == 0


def test_four_processes_give_the_decisions_of_one_process() -> None:
    seeds = [SEED + 1 + i for i in range(PROCESSES)]
    size = 80
    expected = [outcomes(size, seed) for seed in seeds]
    context = multiprocessing.get_context("spawn")  # fresh interpreters: nothing inherited from this one
    with ProcessPoolExecutor(max_workers=PROCESSES, mp_context=context) as pool:
        got = list(pool.map(outcomes, [size] * PROCESSES, seeds))
    assert got == expected
    assert live_sessions() == 0
