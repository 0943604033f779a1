"""``score -o results.xlsx`` reads each result once for the workbook's listing sheets and
the CSV together: the listing pass makes the CSV's rows (:class:`tabular.RowsAhead`), and
the CSV it then writes is byte for byte the one written on its own."""

from __future__ import annotations

from reports_batch import GENERATED_AT
from test_results_workbook_scale import copies

from iipeval.core.api import Evaluator
from iipeval.core.findings import Finding, Severity
from iipeval.core.model.results import Rejected
from iipeval.core.round.batch import assemble, index_reviews
from iipeval.core.round.ranking import Standing
from iipeval.core.round.spool import ResultSpool
from iipeval.reports import tabular
from iipeval.reports.results_workbook import write_results_workbook


def spooled(n: int):
    """As ``score`` keeps them, with names a CSV must quote or defuse: a line break, a
    comma, a quote, a leading ``=``."""
    spool, standings = ResultSpool(), []
    for k, r in enumerate(copies(n)):
        if k % 3 < 2:  # quoted for the line break alone, or for the comma and quote too
            name = f"=1+{k}\n第二行\r" if k % 3 else f'=1+{k},"逗号"\n'
            r = r.model_copy(update={"applicant": name + r.applicant})
        spool.add(r.source, r.model_dump_json().encode())
        standings.append(Standing.of(r))
    return assemble(Evaluator(), standings, [], index_reviews([], None), spool)


def test_the_listing_pass_makes_the_csv_rows_and_reads_each_result_once(tmp_path, monkeypatch):
    n = 12
    batch = spooled(n)
    batch.run_id = "0123456789ab"
    broken = Finding(severity=Severity.error, code="unreadable", message="=1+1 文件已损坏")
    batch.rejected.append(Rejected(source="broken.xlsx", findings=[broken]))
    tabular.write_csv(batch, tmp_path / "alone.csv")
    reads = 0
    raw = ResultSpool.raw

    def counting(self, source):
        nonlocal reads
        reads += 1
        return raw(self, source)

    monkeypatch.setattr(ResultSpool, "raw", counting)
    ahead = tabular.RowsAhead()
    tabular.write_csv(batch, tmp_path / "early.csv", ahead)  # not made yet: reads itself
    assert (tmp_path / "early.csv").read_bytes() == (tmp_path / "alone.csv").read_bytes()
    reads = 0
    write_results_workbook(
        batch, tmp_path / "r.xlsx", generated_at=GENERATED_AT, cards=False, also=ahead
    )
    tabular.write_csv(batch, tmp_path / "ahead.csv", ahead)
    sets = 5  # criteria sets in the demo batch: 排名 and 参数 read one sample of each
    assert reads <= n + 2 * sets  # the CSV read none: the workbook's pass made its rows
    alone = (tmp_path / "alone.csv").read_bytes()
    assert (tmp_path / "ahead.csv").read_bytes() == alone
    assert b"\"'=1+1\n" in alone and b'"\'=1+0,""' in alone and b"\r\n,,,broken.xlsx," in alone
    # made once: a second CSV reads the results itself, and says the same
    before = reads
    tabular.write_csv(batch, tmp_path / "again.csv")
    assert reads == before + n
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "alone.csv").read_bytes()
