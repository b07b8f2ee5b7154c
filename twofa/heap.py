"""The garbage collector, set for a server whose objects are almost all long-lived.

Once twofa has started, nearly every object in the process lives until it stops: modules,
the schema and its caches, Tortoise's models and metadata, compiled statements. CPython's
cycle collector would still walk all of them in each full collection, and with its default
threshold (a young collection every 700 allocations) it runs a collection every request
or two. Measured with ``make bench``, that was about a tenth of a status query.

So, as the server starts, the collector collects once and moves everything that exists into
its permanent generation (``gc.freeze``), where no collection looks, and collects the young
generation less often. Reference counting frees most of a request's objects at once, as
before; what a request leaves in reference cycles is still collected, a little later.
The process's first start-up does this once; later starts in the same process (tests) find
it done.
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_THRESHOLD = 10_000
"""Allocations (less deallocations) between two collections of the young generation."""
OLDER_COLLECTION_THRESHOLDS = (50, 100)
"""Young collections per middle one, and middle collections per full one."""


def settle_long_lived_objects() -> bool:
    """Freeze what the started server holds and space the collections out, once a process.

    Returns whether it did so now (False: an earlier start-up of this process already had).
    """
    if gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD:
        return False
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *OLDER_COLLECTION_THRESHOLDS)
    return True
