"""The one path every command that scores takes (``score``, ``robustness``, ``weights
objective``): inputs and reviews read in the sandbox, admitted against the panel's record,
scored in workers and ranked, so reviews are admitted or refused the same way everywhere."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from iipeval.cli.app import registered
from iipeval.cli.door import Door, InputArgs, InputFile
from iipeval.core.findings import Finding, Severity
from iipeval.core.panel.location import ignored_records, record_location
from iipeval.core.panel.record import PanelRecord, RecordError, load_record
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
    help="评审组登记（iipeval panel --record 写出的文件，仅组织方可读），用于核验专家评分表；"
    "不指定时不核验，结果均标记为“评审组未核验”",
)


def _progress_wanted() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


def find_record(
    given: str | None, review_args: tuple[str, ...]
) -> tuple[PanelRecord | None, list[Finding]]:
    """The panel's record, read only from where the organiser keeps it (``--panel-record``,
    :func:`iipeval.core.panel.location.record_location`), and a warning for every record
    lying among the returned forms, which is never read. A record that cannot be used
    (among the forms, readable by others, someone else's, malformed) stops the command."""
    ignored = [
        Finding(
            severity=Severity.warning,
            code="panel_record_ignored",
            file=str(p),
            message="评分表文件夹中的评审组登记不予读取（交回评分表的人可以放入或替换它）；"
            "评分表只按 --panel-record 指定的登记核验",
        )
        for p in ignored_records(review_args)
    ]
    try:
        path = record_location(given, review_args)
        return (load_record(path) if path else None), ignored
    except RecordError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel-record") from None


def scored_batch(
    run: Door, ev, files, reviews, panel_record, framework, jobs, verified=(), waived=None
) -> Batch:
    """Inputs and reviews read, admitted, scored in sandboxed workers and ranked: the one
    path every command that scores takes, so reviews are admitted or refused the same way.
    Every file comes through the command's door (``run``)."""
    if framework:
        registered(ev, framework)
    paths = run.names(files)  # strings, the door's own: what the workers are given
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    record, ignored = find_record(panel_record, reviews)
    if verified and record is None:
        raise click.UsageError(
            "--verified 须同时用 --panel-record 指定评审组登记：核查表由组织方用该登记签名下发，"
            "核对签名后才采用"
        )
    bundles = intake.reviews(run.expand(reviews), limits=ev.params.input, jobs=jobs)

    index = index_reviews(bundles, record)
    index.findings.extend(ignored)
    if waived is not None:  # a round's run waits for every form it issued, but those waived
        index.waived = set(waived)
    checks: list = []
    if verified:  # 调研核查: cli/verification.py, core/round/verification.py
        from iipeval.cli.verification import read_verified

        index.site_checks, checks = read_verified(run.expand(verified), ev, record)
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
