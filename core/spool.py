"""Full results kept on disk during a batch, so memory stays flat however many files.

Ranking needs only totals and a few fields per application; the explanations, traces and
parameter snapshots that make a result defensible are what weigh. Workers serialise each
full result once; the parent appends it here and keeps a light copy (:func:`light`) for
ranking. Writers read the full results back one at a time, in source order.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from .explain import Explanation
from .results import Result

_NO_TRACE = Explanation(rule="", id="", status="scored", score=None, text="")


def light(result: Result) -> Result:
    """The result without what only the outputs need (explanations, parameter snapshot)."""
    return result.model_copy(
        update={
            "indicators": [
                i.model_copy(update={"explanation": "", "trace": _NO_TRACE})
                for i in result.indicators
            ],
            "provenance": result.provenance.model_copy(update={"parameters": {}}),
        }
    )


class ResultSpool:
    """Append-only store of serialised results, read back by source path."""

    def __init__(self) -> None:
        # the spool lives as long as the batch; the OS removes it when closed or on exit
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._index: dict[str, tuple[int, int]] = {}

    def add(self, source: str, data: bytes) -> None:
        offset = self._file.seek(0, 2)
        self._file.write(data)
        self._index[source] = (offset, len(data))

    def raw(self, source: str) -> bytes:
        offset, length = self._index[source]
        self._file.seek(offset)
        return self._file.read(length)

    def get(self, source: str) -> Result:
        return Result.model_validate_json(self.raw(source))

    def sources(self) -> list[str]:
        return sorted(self._index)

    def __iter__(self) -> Iterator[Result]:
        for source in self.sources():
            yield self.get(source)

    def __len__(self) -> int:
        return len(self._index)

    def close(self) -> None:
        self._file.close()
