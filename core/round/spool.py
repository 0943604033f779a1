"""Full results kept on disk during a batch, so memory stays flat however many files.

Ranking needs only totals and a few fields per application (:class:`.ranking.Standing`);
the explanations, traces and parameter snapshots that make a result defensible are what
weigh. Workers serialise each full result once; the parent appends it here and keeps the
standing. Writers read the full results back one at a time, in source order.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, create_model

from iipeval.core.model.results import Result

M = TypeVar("M", bound=BaseModel)


def view(model: type[BaseModel], names: Iterable[str], **fields: Any) -> type[BaseModel]:
    """A model that reads only ``names`` of ``model``'s fields from its JSON (their types
    and defaults are ``model``'s own), plus ``fields`` given as ``(type, default)``, and
    ignores everything else: what a writer that shows part of a result builds, at a
    fraction of the cost of the whole (see :meth:`ResultSpool.get`)."""
    spec = {name: (model.model_fields[name].annotation, model.model_fields[name]) for name in names}
    spec |= fields
    # a model whose fields are worked out as it is read keeps doing so in its views
    base = next((b for b in model.__mro__[1:] if issubclass(b, BaseModel)), BaseModel)
    if base is not BaseModel and not base.model_fields:
        return create_model(f"{model.__name__}View", __base__=base, **spec)
    return create_model(f"{model.__name__}View", __config__=ConfigDict(extra="ignore"), **spec)


class ResultSpool:
    """Append-only store of serialised results, read back by source path."""

    def __init__(self) -> None:
        # the spool lives as long as the batch; the OS removes it when closed or on exit
        self._file = tempfile.TemporaryFile()  # noqa: SIM115
        # where each source's result lies: its place in the order added, and offsets and
        # lengths in arrays (a tuple of two ints weighed ~140 bytes a result)
        self._index: dict[str, int] = {}
        self._offsets = array("q")
        self._lengths = array("q")

    def add(self, source: str, data: bytes) -> None:
        offset = self._file.seek(0, 2)
        self._file.write(data)
        self._index[source] = len(self._offsets)
        self._offsets.append(offset)
        self._lengths.append(len(data))

    def raw(self, source: str) -> bytes:
        at = self._index[source]
        self._file.seek(self._offsets[at])
        return self._file.read(self._lengths[at])

    def get(self, source: str, model: type[M] = Result) -> M:
        """The result of ``source``, built as ``model``: a view that declares only the
        fields a writer reads (and ignores the rest) costs a fraction of a full result,
        whose explanation traces and parameter snapshot are most of its weight."""
        return model.model_validate_json(self.raw(source))

    def iter_raw(self) -> Iterator[bytes]:
        """Every result as the worker serialised it (``Result.model_dump_json``), in source
        order: what a JSON writer copies without building the result again."""
        for source in self.sources():
            yield self.raw(source)

    def sources(self) -> list[str]:
        return sorted(self._index)

    def __iter__(self) -> Iterator[Result]:
        for source in self.sources():
            yield self.get(source)

    def __len__(self) -> int:
        return len(self._index)

    def close(self) -> None:
        self._file.close()
