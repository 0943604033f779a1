"""What the robustness analysis adds to scoring, measured in one run.

Builds N national_2023 applications (variants of examples/national_2023.json: figures
scaled, each scored by a panel of seven experts with their own leniency), then measures
the CPU time, in this one process and on one core, of:

1. scoring   ``score_batch``: validation, the engine for every application with its
             panel's reviews, aggregation and ranking (reading files excluded: the inputs
             are already in memory, which makes this side as small as it can be);
2. analysis  ``core.robustness.analyse`` with D weight draws: reading every result into
             arrays and checking them against the engine, the draws, the one-at-a-time
             intervals for every weight, five panel policies, leave-one-out for each
             expert, and the calibration diagnostics.

    python benchmarks/robustness.py                     # N = 1000, D = 10000
    python benchmarks/robustness.py --n 200 --draws 2000
    python benchmarks/robustness.py --write DIR --n 12  # the inputs as files, for the CLI
    python benchmarks/robustness.py --json              # the two figures as JSON

``benchmarks/batch.py`` runs it once per round (``--json``) for its goals table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
EXPERTS = [f"专家{k:02d}" for k in range(1, 8)]
LENIENCY = [0, 3, -2, 1, -12, 2, -1]  # 专家05 is harsh
PARTS = {"apps_active", "developers_active", "staff_rd"}


def inputs(n: int, seed: int = 1):
    """``n`` applications and seven experts' reviews, reproducible for ``seed``."""
    from iipeval.core.api import Evaluator, load_json

    base = load_json(REPO / "examples" / "applications" / "national_2023.json").submission
    parts = [pid for pid, _, _ in Evaluator().framework("national_2023").framework.expert_parts()]
    from iipeval.core.scoring.validation import credit_code_check_char

    rng = np.random.default_rng(seed)
    apps, reviews = [], {e: [] for e in EXPERTS}
    for k in range(n):
        name = f"（示例）第{k + 1:04d}号工业互联网有限公司"
        first17 = f"91110108MA{k + 1:07d}"
        code = first17 + credit_code_check_char(first17)
        scale = float(np.exp(rng.normal(0, 0.6)))
        items = {}
        for key, v in base.application.items.items():
            if isinstance(v, int) and not isinstance(v, bool):  # counts; ratios stay as given
                # parts of a whole (active ≤ registered...) only shrink, wholes only grow
                z = abs(rng.normal(0, 0.7))
                v = round(v * scale * float(np.exp(-z if key in PARTS else z)))
            items[key] = v
        app = base.application.model_copy(
            update={
                "applicant": base.application.applicant.model_copy(
                    update={"name": name, "credit_code": code}
                ),
                "items": items,
            },
            deep=True,
        )
        apps.append(app)
        quality = rng.normal(80, 4)
        for e, bias in zip(EXPERTS, LENIENCY, strict=True):
            scores = {
                p: int(np.clip(round(quality + bias + rng.normal(0, 4)), 0, 100)) for p in parts
            }
            reviews[e].append({"expert": e, "application": code, "scores": scores})
    return apps, reviews


def write(folder: Path, n: int, params: Path | None = None) -> None:
    """The applications, and the panel's signed JSON forms (``iipeval panel --forms json``,
    issued under ``params`` when given) filled with the experts' scores; the round's record,
    apart from the forms, in ``private/panel-record.json``: what ``--reviews`` with
    ``--panel-record`` admits."""
    apps, reviews = inputs(n)
    (folder / "apps").mkdir(parents=True, exist_ok=True)
    for k, app in enumerate(apps):
        data = {"application": app.model_dump(mode="json", exclude_none=True)}
        (folder / "apps" / f"{k + 1:04d}.json").write_text(
            json.dumps(data, ensure_ascii=False, indent=1), "utf-8"
        )
    panel = ['id = "演示评审组"', 'round = "演示轮次"']
    for k, e in enumerate(EXPERTS, start=1):
        panel += ["", "[[experts]]", f'id = "E{k:02d}"', f'name = "{e}"']
    (folder / "panel.toml").write_text("\n".join(panel) + "\n", "utf-8")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "iipeval.cli",
            "panel",
            str(folder / "apps"),
            "--panel",
            str(folder / "panel.toml"),
            "-o",
            str(folder / "reviews"),
            "--record",
            str(folder / "private" / "panel-record.json"),
            "--forms",
            "json",
            *(["--params", str(params)] if params else []),
        ],
        check=True,
        capture_output=True,
    )
    scores = {e: {r["application"]: r["scores"] for r in rows} for e, rows in reviews.items()}
    for path in sorted((folder / "reviews").glob("review_*.json")):
        form = json.loads(path.read_text("utf-8"))
        for review in form["reviews"]:
            review["scores"] = scores[form["expert_name"]][review["application"]]
        path.write_text(json.dumps(form, ensure_ascii=False, indent=1) + "\n", "utf-8")


def measure(n: int, draws: int, as_json: bool = False) -> None:
    from iipeval.core.analysis import robustness
    from iipeval.core.api import Evaluator, Loaded
    from iipeval.core.model.application import ExpertReview, Submission
    from iipeval.core.panel.bundle import ReviewBundle
    from iipeval.core.round.batch import score_batch
    from iipeval.core.scoring.params import Parameters, RankingPolicy

    apps, reviews = inputs(n)
    loaded = [Loaded(f"{k:04d}.json", Submission(application=a)) for k, a in enumerate(apps)]
    bundles = [
        ReviewBundle(f"{e}.json", [ExpertReview(**r) for r in rows], expert=e)
        for e, rows in reviews.items()
    ]
    ev = Evaluator(params=Parameters(ranking=RankingPolicy(quota=2)))
    ev.effective("national_2023")  # plugins loaded before the clock starts

    t0 = time.process_time()
    batch = score_batch(ev, loaded, bundles)
    t1 = time.process_time()
    settings = robustness.RobustnessSettings(draws=draws, seed=0)
    analysis = robustness.analyse(ev, batch, settings)
    t2 = time.process_time()

    [g] = analysis.groups
    scoring, extra = t1 - t0, t2 - t1
    if as_json:
        print(json.dumps({"scoring_cpu": scoring, "analysis_cpu": extra}))
        return
    print(
        f"{n} applications (national_2023, 7 experts × 12 parts each), {draws:,} draws, one process"
    )
    print()
    print(f"| {'side':<10} | {'what it includes':<78} | {'CPU s':>8} |")
    print(f"|{'-' * 12}|{'-' * 80}|{'-' * 10}|")
    print(
        f"| {'scoring':<10} | {'validate, engine per application with its panel, aggregate, rank':<78} | {scoring:8.2f} |"
    )
    what = (
        f"results→arrays+check, {draws:,} draws, {len(g.intervals)} intervals, 5 policies, "
        f"{len(g.leave_one_out)} leave-one-out, {settings.resamples:,} expert resamples, "
        "Kendall's W, calibration"
    )
    print(f"| {'analysis':<10} | {what:<78} | {extra:8.2f} |")
    print()
    verdict = "within" if extra <= scoring / 2 else "OVER"
    print(f"analysis / scoring = {extra / scoring:.2f} ({verdict} the 0.5 budget)")
    print(f"P(recommended set unchanged) = {g.set_unchanged.text()}")
    if g.bootstrap is not None:
        print(f"P(set unchanged, experts resampled) = {g.bootstrap.set_unchanged.text()}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--write", type=Path, help="write the inputs to this folder instead")
    ap.add_argument("--json", action="store_true", help="print the two CPU figures as JSON")
    args = ap.parse_args()
    if args.write:
        write(args.write, args.n)
        print(
            f"wrote {args.n} applications to {args.write / 'apps'}, reviews to {args.write / 'reviews'}"
        )
        return
    measure(args.n, args.draws, args.json)


if __name__ == "__main__":
    sys.exit(main())
