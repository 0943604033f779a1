"""``iipeval validate``: 符合性审查, every problem with its file, sheet and cell; with
``--return-to``, the 补正 returns (:mod:`.returns`), planned and locked before any work."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import FORMAT, cli, evaluator, registered
from iipeval.core.api import Evaluator


def _score_all(ev: Evaluator, paths: list[Path], framework: str | None):
    from iipeval.excel import intake

    if framework:
        registered(ev, framework)
    return intake.validate(paths, params=ev.params, framework=framework, loaded=ev)


def _failed(results) -> bool:
    from iipeval.core.model.results import Rejected

    return any(isinstance(r, Rejected) or not r.accepted for r in results)


def _row(r) -> dict:
    """One input of the JSON report."""
    from iipeval.core.model.results import Rejected
    from iipeval.core.voice import verdict

    ok = not isinstance(r, Rejected) and r.accepted
    hits = [] if isinstance(r, Rejected) else r.exclusions
    keep = {"file", "sheet", "cell", "item", "severity", "code", "message"}
    return {
        "file": r.source,
        "framework": None if isinstance(r, Rejected) else r.framework,
        "valid": ok,
        "verdict": verdict(ok, not isinstance(r, Rejected) and r.excluded),
        "exclusions": [h.model_dump(mode="json") for h in hits],
        "findings": [f.model_dump(mode="json", include=keep) for f in r.findings],
    }


@door.command(cli)
@click.argument("files", nargs=-1, type=door.InputArgs())
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@FORMAT
@click.option(
    "--return-to",
    type=door.OutputPath(folder=True),
    help="补正：把有错误的申报表逐一标注后写入该文件夹，并写出补正清单",
)
@click.option(
    "--deadline",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="补正截止日期（YYYY-MM-DD），写入补正通知与补正清单",
)
def validate(run: door.Door, files, framework, fmt, return_to, deadline) -> None:
    """符合性审查：检查申报数据的完整性与一致性，列出全部问题及其位置。"""
    from iipeval.core.model.results import Rejected
    from iipeval.core.voice import item_labels

    ev = evaluator()
    if not files and run.round is not None:  # inside a round: the current applications
        files = inround.current(run, "application")
    elif not files:
        raise click.UsageError("缺少要审查的申报（FILES）：请给出申报文件、文件夹或通配符")
    paths = run.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    plan = None
    if return_to:  # 补正 returns (cli/returns.py): named, checked and locked before any work
        from iipeval.cli.returns import plan_returns

        plan = plan_returns(run, paths, Path(return_to))
    results = _score_all(ev, paths, framework)
    sets = {r.framework for r in results if not isinstance(r, Rejected)}
    labels = {fw: item_labels(ev.effective(fw).framework) for fw in sorted(sets)}
    if fmt == "json":
        render.echo(render.dumps({"files": [_row(r) for r in results]}))
    else:
        for r in results:
            fw = None if isinstance(r, Rejected) else r.framework
            render.echo(render.validation_text(r, labels.get(fw, {}).get))
    if plan is not None:
        from iipeval.cli.returns import write_returns

        day = deadline.date() if deadline else None
        written = write_returns(run, plan, results, day, ev.params.input, labels)
        if run.logbook is not None:  # inside a round: open 补正 requests in its register
            opened = inround.record_returns(run, results, day)
            render.echo(f"已登记补正要求 {len(opened)} 项（{'、'.join(opened) or '无'}）", err=True)
        render.echo(f"补正材料已写入 {return_to}：{len(written) - 1}份退回文件及补正清单", err=True)
    sys.exit(1 if _failed(results) else 0)
