"""Timing comparisons that survive a noisy, shared machine (issue 12: no timing oracle).

Each variant is run ``rounds`` times, interleaved in a shuffled order every round, so drift
(another process waking up, caches warming) hits every variant alike. Medians, not means:
one descheduled request must not decide. Two variants "take the same time" when their
medians differ by less than ``relative`` of the slower one or by less than ``absolute_ms``,
whichever is larger: generous against noise, yet far below what the old code showed (a
locked staff account answered 15x faster; a known identifier took 40-80 % longer).
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable


def interleaved_timings(
    variants: dict[str, Callable[[], object]],
    *,
    rounds: int,
    between: Callable[[], object] | None = None,
    seed: int = 12,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, list[float]]:
    """Milliseconds per call of every variant; ``between`` runs untimed after each call."""
    order = list(variants)
    shuffler = random.Random(seed)
    samples: dict[str, list[float]] = {name: [] for name in order}
    collecting = gc.isenabled()
    try:
        for _ in range(rounds):
            shuffler.shuffle(order)
            for name in order:
                gc.disable()  # a collection owed to another variant's garbage would land here
                start = clock()
                variants[name]()
                samples[name].append((clock() - start) * 1000)
                if collecting:
                    gc.enable()
                if between is not None:
                    between()
    finally:
        if collecting:
            gc.enable()
    return samples


def assert_same_time(
    samples: dict[str, list[float]], *, relative: float = 0.3, absolute_ms: float = 3.0
) -> None:
    medians = {name: statistics.median(values) for name, values in samples.items()}
    slowest, fastest = max(medians.values()), min(medians.values())
    allowed = max(relative * slowest, absolute_ms)
    summary = ", ".join(f"{name} {value:.1f} ms" for name, value in medians.items())
    assert slowest - fastest <= allowed, f"medians differ by more than {allowed:.1f} ms: {summary}"
