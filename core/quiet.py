"""Long runs over a large heap, without the garbage collector sweeping it again and again.

Python's cyclic collector now and then walks every object it tracks. With the plugins and
a batch in memory, each sweep walks hundreds of thousands of objects that cannot be
garbage; in a forked worker, touching them copies their pages too. While code that makes
only short-lived objects runs (workers reading files, the robustness analysis), what the
heap held before is set aside (:func:`gc.freeze`) and given back afterwards.
"""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Callable, Iterator
from typing import TypeVar

F = TypeVar("F", bound=Callable)


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """The objects alive now are left out of the collector's sweeps until the block ends."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def on_frozen_heap(fn: F) -> F:
    """``fn`` run inside :func:`frozen_heap`."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with frozen_heap():
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]
