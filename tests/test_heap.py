"""A started server keeps its long-lived objects out of the collector's way, and still
collects the reference cycles requests leave behind."""

from __future__ import annotations

import gc
import weakref

from starlette.applications import Starlette

from twofa.heap import (
    OLDER_COLLECTION_THRESHOLDS,
    YOUNG_COLLECTION_THRESHOLD,
    settle_long_lived_objects,
)


class Node:
    """Something that can refer to itself."""

    itself: Node | None = None


async def test_a_started_server_freezes_what_it_holds_and_still_collects_cycles(
    app: Starlette,
) -> None:
    assert gc.get_freeze_count() > 0  # the schema, models and modules, out of every walk
    assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *OLDER_COLLECTION_THRESHOLDS)
    assert settle_long_lived_objects() is False  # once a process: a second start finds it done
    assert gc.isenabled()

    collected: list[bool] = []
    cycle = Node()
    cycle.itself = cycle
    weakref.finalize(cycle, collected.append, True)
    del cycle
    # Garbage as a request leaves it, in cycles: the collector runs on its own and takes ours.
    made = 0
    while not collected and made < 200 * YOUNG_COLLECTION_THRESHOLD:
        garbage: list[object] = []
        garbage.append(garbage)
        made += 1
    assert collected == [True], f"not collected after {made:,} more cycles"
