"""How long an AHP round takes for a panel: questionnaires written, filled ones read back
(each in its sandboxed child process, as ``weights derive`` does) and the group's weights.

A panel has 5-9 experts; an organiser runs this a few times per criteria set. The point
is only that it stays a matter of seconds.

    python benchmarks/weights.py [FRAMEWORK_ID] [--experts 9]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from iipeval.cli.weights.io import isolated  # the sandboxed read the command uses
from iipeval.core.analysis.ahp_round import ExpertJudgements, derive
from iipeval.core.api import Evaluator
from iipeval.core.panel.roster import PanelExpert
from iipeval.core.scoring.params import InputLimits
from iipeval.excel.questionnaire.reader import read_questionnaire
from iipeval.excel.questionnaire.workbook import SCALE_TEXT, build, plan, save


def fill(path: Path, rng: random.Random) -> None:
    wb = load_workbook(path)
    for sp in plan_of:
        ws = wb[sp.name]
        for k in range(len(sp.pairs)):
            r = sp.pair_row(k)
            ws.cell(r, 3).value = ws.cell(r, rng.choice((1, 2))).value
            ws.cell(r, 4).value = rng.choice(SCALE_TEXT[:4])
    wb.save(path)


def main() -> None:
    global plan_of
    ap = argparse.ArgumentParser()
    ap.add_argument("framework", nargs="?", default="national_2023")
    ap.add_argument("--experts", type=int, default=9)
    args = ap.parse_args()
    fw = Evaluator().framework(args.framework).framework
    plan_of = plan(fw)
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        paths = []
        for k in range(args.experts):
            p = Path(tmp) / f"E{k}.xlsx"
            save(build(fw, "P", PanelExpert(id=f"E{k}")), p, force=True)
            paths.append(p)
        t1 = time.perf_counter()
        for p in paths:
            fill(p, rng)
        t2 = time.perf_counter()
        experts = []
        for p in paths:
            filled, problem = isolated(read_questionnaire, p, InputLimits())
            assert problem is None and filled.ok, (problem, filled and filled.findings)
            levels = {s.level: s.judgements for s in filled.sheets}
            experts.append(
                ExpertJudgements(filled.fact("expert"), "", str(p), filled.sha256, levels)
            )
        t3 = time.perf_counter()
        result = derive(fw, experts)
        t4 = time.perf_counter()
    kept = sum(len(g.included) for g in result.groups)
    total = sum(len(g.included) + len(g.excluded) for g in result.groups)
    print(f"{args.framework}: {args.experts} experts, {len(plan_of)} comparison sheets")
    print(
        f"  write questionnaires  {t1 - t0:7.3f} s  ({(t1 - t0) / args.experts * 1000:.0f} ms each)"
    )
    print(f"  (fill, openpyxl)      {t2 - t1:7.3f} s")
    print(
        f"  read back, sandboxed  {t3 - t2:7.3f} s  ({(t3 - t2) / args.experts * 1000:.0f} ms each)"
    )
    print(f"  derive group weights  {t4 - t3:7.3f} s  ({kept}/{total} expert-sheets consistent)")


plan_of: list = []

if __name__ == "__main__":
    main()
