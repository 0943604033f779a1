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


#: glibc's ``mallopt`` parameters, and the values a worker sets: blocks up to 4 MB come
#: from the heap, and up to 16 MB of free heap is kept rather than given back.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
KEPT_HEAP_BYTES = 16 * 2**20
HEAP_BLOCK_BYTES = 4 * 2**20


def steady_heap() -> bool:
    """Keep freed memory for the next file instead of returning it to the system.

    Each workbook a worker reads takes a few hundred kB at once (the file, its inflated
    sheets, the copy calamine parses) and frees them all at the end. glibc gives that
    back to the system after every file and asks for fresh pages for the next one: some
    120 page faults per file, a tenth of its CPU. With its thresholds set, the pages stay
    (at most 16 MB more than before). Only glibc has them; elsewhere nothing changes and
    this says ``False``. The memory a file may take (the worker's limit) is the same.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(
        mallopt(_M_MMAP_THRESHOLD, HEAP_BLOCK_BYTES) and mallopt(_M_TRIM_THRESHOLD, KEPT_HEAP_BYTES)
    )
