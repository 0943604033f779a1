"""The one path every command that scores takes (``score``, ``robustness``, ``weights
objective``): inputs and reviews read in the sandbox, admitted against the panel's record,
scored in workers and ranked, so reviews are admitted or refused the same way everywhere."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iipeval.cli.app import registered
from iipeval.cli.door import Door, InputArgs, InputFile
from iipeval.core.panel.record import RECORD_NAME, PanelRecord, RecordError, load_record
from iipeval.core.round.batch import Batch, assemble, index_reviews
from iipeval.core.round.spool import ResultSpool
from iipeval.excel import intake

if TYPE_CHECKING:  # numpy is imported only when an analysis runs, not by every command
    from iipeval.core.analysis.robustness import Robustness, RobustnessSettings


#: The options every command that scores takes for the panel's reviews, read the one way.
REVIEWS = click.option(
    "--reviews",
    multiple=True,
    type=InputArgs(),
    help="专家评分表（.xlsx）或评分数据（.json）：文件、文件夹或通配符，可多次指定",
)
PANEL_RECORD = click.option(
    "--panel-record",
    type=InputFile(),
    help=f"评审组登记（iipeval panel 生成的 {RECORD_NAME}），用于核验专家评分表；"
    "默认取评分表所在文件夹中的登记",
)


def _progress_wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def find_record(given: str | None, review_args: tuple[str, ...]) -> PanelRecord | None:
    """The panel's record: ``--panel-record``, else the one beside the reviews (if any)."""
    if given:
        candidates = [Path(given)]
    else:
        found = set()
        for arg in review_args:
            p = Path(arg)
            folder = p if p.is_dir() else p.parent
            if (folder / RECORD_NAME).is_file():
                found.add((folder / RECORD_NAME).resolve())
        if len(found) > 1:
            raise click.BadParameter(
                f"评分表旁有多份评审组登记：{'、'.join(sorted(map(str, found)))}；"
                "请用 --panel-record 指定本轮的登记",
                param_hint="--panel-record",
            )
        candidates = sorted(found)
    if not candidates:
        return None
    try:
        return load_record(candidates[0])
    except RecordError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel-record") from None


def scored_batch(
    run: Door, ev, files, reviews, panel_record, framework, jobs, verified=()
) -> Batch:
    """Inputs and reviews read, admitted, scored in sandboxed workers and ranked: the one
    path every command that scores takes, so reviews are admitted or refused the same way.
    Every file comes through the command's door (``run``)."""
    if framework:
        registered(ev, framework)
    paths = run.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    record = find_record(panel_record, reviews)
    bundles = intake.reviews(run.expand(reviews), limits=ev.params.input, jobs=jobs)

    index = index_reviews(bundles, record)
    checks: list = []
    if verified:  # 调研核查: cli/verification.py, core/round/verification.py
        from iipeval.cli.verification import read_verified

        index.site_checks, checks = read_verified(run.expand(verified), ev)
    spool = ResultSpool()

    def outcomes(progress=None):
        return intake.score(
            paths,
            params=ev.params,
            index=index,
            framework=framework,
            jobs=jobs,
            progress=progress,
            spool=spool,
            loaded=ev,
        )

    if _progress_wanted():
        with click.progressbar(length=len(paths), label="评分中", file=sys.stderr) as bar:
            batch = assemble(ev, outcomes(bar.update), bundles, index, spool)
    else:
        batch = assemble(ev, outcomes(), bundles, index, spool)
    if verified:
        from iipeval.cli.verification import unmatched_verifications

        batch.findings.extend(
            [*checks, *unmatched_verifications(index.site_checks, batch.standings)]
        )
    return batch


def analyse_or_fail(
    ev, batch, settings: RobustnessSettings | None = None, spreads=()
) -> Robustness:
    from iipeval.core.analysis.robustness import RobustnessError, analyse

    try:
        return analyse(ev, batch, settings, spreads=spreads)
    except RobustnessError as exc:
        raise click.ClickException(str(exc)) from None
