"""How long reading and validating one clean, filled application workbook takes.

An organiser validates hundreds of workbooks per round, several rounds a year, so the
reader must stay well under 0.1 s per workbook. This generates the template of a
criteria set, fills every item through openpyxl, then times in-process
``read_workbook`` + ``Evaluator.score_loaded`` (plugin loading excluded: it happens once
per batch).

    python benchmarks/validate_workbook.py [FRAMEWORK_ID] [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import openpyxl

from iipeval.core.api import Evaluator
from iipeval.core.model.criteria import Framework
from iipeval.excel.application.reader import read_workbook
from iipeval.excel.application.template import write

APPLICANT = {
    "applicant.name": "湖南示例工业互联网有限公司",
    "applicant.platform_name": "示例工业互联网平台",
    "applicant.credit_code": "91430100MA4L16JQ9D",
    "applicant.region": "湖南省长沙市",
    "applicant.contact": "张三",
    "applicant.phone": "0731-88888888",
}


def answer(fw: Framework, item_id: str, n: int):
    """A plausible answer; the smaller side of every ``left <= right`` check gets 1."""
    item = fw.item(item_id)
    excluded = {e.item: e.when for e in fw.exclusions}
    if item_id in excluded:
        return "否" if excluded[item_id] is True else "是"
    if item.type == "bool":
        return "是"
    if item.type in ("choice",):
        return (item.choices or [""])[0]
    if item.type == "text":
        return "示例"
    hi = item.bounds()[1]
    if any(c.left == item_id for c in fw.checks):
        return 1
    value = 20 if item.type == "percent" else 100 + n
    return min(value, hi) if hi is not None else value


def filled_workbook(fw: Framework, folder: Path) -> Path:
    path = folder / f"{fw.id}.xlsx"
    p = write(fw, path)
    wb = openpyxl.load_workbook(path)
    for n, s in enumerate(p.slots):
        if s.key in APPLICANT:
            wb[s.sheet][s.cell] = APPLICANT[s.key]
        elif s.key == "subtype":
            wb[s.sheet][s.cell] = fw.subtypes[0].name
        elif s.item_id:
            wb[s.sheet][s.cell] = answer(fw, s.item_id, n)
    wb.save(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framework", nargs="?", default="national_2023")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    ev = Evaluator()
    fw = ev.framework(args.framework).framework
    with tempfile.TemporaryDirectory() as tmp:
        path = filled_workbook(fw, Path(tmp))
        result = ev.score_loaded(read_workbook(path, ev))  # warm-up (imports, caches)
        problems = [f for f in result.findings if f.severity != "notice"]
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            result = ev.score_loaded(read_workbook(path, ev))
            times.append(time.perf_counter() - t0)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(
        f"{fw.id}：{len(fw.items)}个数据项，{args.runs}次读取+校验；"
        f"中位数 {statistics.median(times) * 1000:.1f} ms，p95 {p95 * 1000:.1f} ms，"
        f"最慢 {times[-1] * 1000:.1f} ms；问题 {len(problems)} 条，"
        f"{'通过' if result.accepted else '未通过'}"
    )
    for f in problems:
        print(f"  [{f.severity}] {f.sheet}!{f.cell} {f.message}")


if __name__ == "__main__":
    main()
