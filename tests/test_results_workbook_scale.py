"""The results workbook at the scale of a national round: linear in the batch, and score
cards by default only where a per-application sheet is still something a reader opens.

Speed itself is measured by ``benchmarks/batch.py``; here the build's *shape* is checked by
counting how often it reads a full result back from the spool, which does not depend on
the machine: once per sheet that needs the results, never once per row.
"""

from __future__ import annotations

import io
import weakref

import pytest
from openpyxl import load_workbook
from pydantic import BaseModel
from reports_batch import GENERATED_AT, demo_batch

from iipeval.core.api import Evaluator
from iipeval.core.model.results import Result
from iipeval.core.round.batch import assemble, index_reviews
from iipeval.core.round.ranking import Standing
from iipeval.core.round.spool import ResultSpool
from iipeval.reports import results_workbook, tabular
from iipeval.reports.results_workbook import (
    NO_CARDS_NOTE,
    build_workbook,
    save_deterministic,
    write_results_workbook,
)


def json_bytes(batch) -> bytes:
    """The JSON ``score -o`` writes, as bytes."""
    buf = io.StringIO()
    tabular.dump_json(batch, buf)
    return buf.getvalue().encode("utf-8")


def built(batch, tmp_path, **kw):
    """The workbook as a reader opens it (the build is write-only: it cannot be read back)."""
    path = tmp_path / "r.xlsx"
    save_deterministic(build_workbook(batch, generated_at=GENERATED_AT, **kw), path, GENERATED_AT)
    return load_workbook(path)


def copies(n: int) -> list[Result]:
    """``n`` applications: copies of the demo's, each its own source."""
    base = [r for r in demo_batch().results]
    return [
        base[k % len(base)].model_copy(update={"source": f"app_{k:05d}.xlsx"}) for k in range(n)
    ]


def spooled(n: int):
    """A batch of ``n`` applications with the full results waiting in a spool as ``score``
    keeps them."""
    spool = ResultSpool()
    standings = []
    for r in copies(n):
        spool.add(r.source, r.model_dump_json().encode())
        standings.append(Standing.of(r))
    index = index_reviews([], None)
    return assemble(Evaluator(), standings, [], index, spool), spool


def test_a_spooled_batch_gives_the_same_outputs_as_one_in_memory(tmp_path):
    """The writers read a spooled result only in part (the CSV and the listing sheets) or
    not at all (the JSON copies it): what they write is what the whole result gives."""
    in_memory = assemble(Evaluator(), copies(12), [], index_reviews([], None))
    on_disk, _ = spooled(12)
    assert json_bytes(on_disk) == json_bytes(in_memory)
    assert tabular.csv_text(on_disk) == tabular.csv_text(in_memory)
    for cards in (False, True):
        for k, batch in enumerate((in_memory, on_disk)):
            write_results_workbook(
                batch, tmp_path / f"{k}.xlsx", generated_at=GENERATED_AT, cards=cards
            )
        assert (tmp_path / "0.xlsx").read_bytes() == (tmp_path / "1.xlsx").read_bytes()


def reads_to_build(n: int, monkeypatch, **kw) -> int:
    batch, _ = spooled(n)
    count = 0
    raw = ResultSpool.raw

    def counting(self, source):
        nonlocal count
        count += 1
        return raw(self, source)

    with monkeypatch.context() as m:
        m.setattr(ResultSpool, "raw", counting)
        build_workbook(batch, generated_at=GENERATED_AT, **kw)
    return count


@pytest.mark.parametrize("cards", [False, True])
def test_build_reads_each_result_a_fixed_number_of_times(monkeypatch, cards):
    sets = 5  # criteria sets (and sub-types) in the demo batch: one sample each
    per_result = 1 + cards  # 专家分歧 and 问题清单 in one pass and, with cards, the card
    for n in (12, 48):
        reads = reads_to_build(n, monkeypatch, cards=cards)
        assert reads <= per_result * n + 2 * sets, (n, reads)


def test_large_batch_has_no_card_sheets_by_default_and_says_how_to_get_them(monkeypatch, tmp_path):
    monkeypatch.setattr(results_workbook, "CARDS_AUTO_MAX", 6)
    batch, _ = spooled(8)
    wb = built(batch, tmp_path)
    assert len(wb.sheetnames) == 9  # 5 rankings, 推荐信息汇总表, 专家分歧, 问题清单, 参数; no cards
    assert not any(n[:2].isdigit() for n in wb.sheetnames)
    first = wb[wb.sheetnames[0]]
    notes = [c.value for row in first.iter_rows() for c in row]
    assert NO_CARDS_NOTE in notes
    assert not any(c.hyperlink for row in first.iter_rows() for c in row)

    wb = built(spooled(8)[0], tmp_path, cards=True)
    cards = [n for n in wb.sheetnames if n[:2].isdigit()]
    assert len(cards) == 8
    first = wb[wb.sheetnames[0]]
    assert NO_CARDS_NOTE not in [c.value for row in first.iter_rows() for c in row]


def test_small_batch_keeps_a_card_per_application_by_default(tmp_path):
    batch, _ = spooled(5)
    wb = built(batch, tmp_path)
    assert len([n for n in wb.sheetnames if n[:2].isdigit()]) == 5


def _parts(model) -> list:
    """A model and every model inside it (a result's findings, panels, indicators...)."""
    out, todo = [], [model]
    while todo:
        x = todo.pop()
        if isinstance(x, BaseModel):
            out.append(x)
            todo.extend(getattr(x, name) for name in type(x).model_fields)
        elif isinstance(x, list | tuple):
            todo.extend(x)
        elif isinstance(x, dict):
            todo.extend(x.values())
    return out


def most_alive_while_building(n: int, monkeypatch, **kw) -> int:
    """The most results read from the spool that were still in memory, whole or any part
    of them (a finding, a panel), when the build read the next one or finished."""
    batch, _ = spooled(n)
    reads: list[list[weakref.ref]] = []
    most = 0
    get = ResultSpool.get

    def count() -> int:
        return sum(any(ref() is not None for ref in refs) for refs in reads)

    def tracking(self, source, model=Result):
        nonlocal most
        most = max(most, count())
        result = get(self, source, model)
        reads.append([weakref.ref(x) for x in _parts(result)])
        return result

    with monkeypatch.context() as m:
        m.setattr(ResultSpool, "get", tracking)
        wb = build_workbook(batch, generated_at=GENERATED_AT, **kw)
        most = max(most, count())
    del wb
    return most


@pytest.mark.parametrize("cards", [False, True])
def test_build_keeps_no_result_it_has_written(monkeypatch, cards):
    """However many applications, the build holds no more than the result it is writing
    (and, for a moment, the one before): every sheet streams its rows to disk, and nothing
    read from the spool is kept for later, not even a finding or a panel."""
    small = most_alive_while_building(12, monkeypatch, cards=cards)
    large = most_alive_while_building(48, monkeypatch, cards=cards)
    assert large == small <= 2, (small, large)
