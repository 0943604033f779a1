"""``iipeval panel``: one expert scoring workbook (专家评分表) per panel member.

Plumbing only: inputs come through the command's door (:mod:`.door`), the numbers from
the core, the files from :mod:`iipeval.excel.review.workbook`; the round's record goes
where the organiser names, private (:mod:`iipeval.core.panel.location`).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import click

from iipeval.cli import door, inround, render
from iipeval.cli.app import cli, evaluator, registered
from iipeval.core.panel.location import new_record_location
from iipeval.core.panel.record import RecordError, place_record, stage_record
from iipeval.excel import intake
from iipeval.present import atomic


@door.command(cli)
@click.argument("applications", nargs=-1, type=door.InputArgs())
@click.option(
    "--panel",
    "panel_file",
    required=True,
    type=door.InputFile(),
    help="评审组文件（TOML）：评审组编号、评审轮次、专家编号与姓名、回避关系（格式见上方示例）",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    type=door.OutputPath(folder=True),
    help="评分表输出文件夹（不存在则创建；评审轮次中默认为 3-评分表）",
)
@click.option(
    "--record",
    "record_file",
    type=door.OutputPath(),
    help="评审组登记写到哪里（含本轮签名密钥，仅组织方可读）：不得已存在，不得位于评分表输出文件夹"
    "或申报文件夹中；所在文件夹不存在时创建（仅本人可进入）。评审轮次中由本轮私有文件夹保存，不必指定",
)
@click.option(
    "--include",
    multiple=True,
    help="评审轮次中：有错误或触及否决项、默认不下发的申报，仍要下发时写其受理编号或单位名称（记入日志）",
)
@click.option("--framework", help="评价体系 id（默认取申报数据或申报表中的标记）")
@click.option(
    "--params",
    multiple=True,
    type=door.InputFile(),
    help="参数文件（TOML），覆盖默认权重与规则参数；可多次指定，同一键只能在一个文件中设置",
)
@click.option("--force", is_flag=True, help="覆盖已存在的评分表")
@click.option(
    "--xlsm", is_flag=True, help="生成启用宏的 .xlsm（含 Excel 函数，需 Excel 与 xlwings 加载项）"
)
@click.option(
    "--forms",
    type=click.Choice(["xlsx", "json"]),
    default="xlsx",
    show_default=True,
    help="评分表形式：xlsx 为专家评分表；json 为签名的 JSON 评分表（供其他评分系统填写）",
)
@click.option(
    "--meeting",
    is_flag=True,
    help="会议评审：评审组开会合议，只生成一份评审组会议评审汇总表（每个评价体系一份），"
    "由秘书为每个申报的每个评分项填一个合议分，签名核验同专家评分表",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="同时生成评分表的进程数（默认：全部 CPU 核心）",
)
def panel(
    run: door.Door,
    applications,
    panel_file,
    outdir,
    record_file,
    include,
    framework,
    params,
    force,
    xlsm,
    forms,
    meeting,
    jobs,
) -> None:
    """为评审组每位专家生成专家评分表（.xlsx；加 --xlsm 为 .xlsm），申报可为文件、文件夹或通配符。

    有回避关系的申报不列入该专家的评分表。申报分属多个评价体系时，每位专家每个评价体系各生成一份评分表（文件名后附评价体系 id）。
    同时把评审组登记写到 --record 指定的位置（含本轮签名密钥，仅组织方可读，切勿随评分表发出）。

    评审组文件（--panel）示例：

    \b
      id = "第一评审组"              # 评审组编号
      round = "2026年省级平台认定"    # 评审轮次（可选，不写时自动生成）
      # framework = "national_2023"   # 可选：只为该评价体系的申报生成
      [[experts]]
      id = "E01"
      name = "张三"
      conflicts = ["91430100MA4L7X2K5M", "某某公司"]  # 回避：统一社会信用代码或单位名称
      [[experts]]
      id = "E02"
      name = "李四"

    \b
    iipeval panel submitted/ --panel panel.toml -o reviews/ --record ~/评审组登记/第一轮.json
    iipeval panel submitted/ --panel panel.toml --meeting -o reviews/ --record ~/评审组登记/第一轮.json
    """
    if xlsm and forms == "json":
        raise click.UsageError("--xlsm 只适用于 xlsx 评分表，不能与 --forms json 同时使用")
    applications, outdir, record_file, params = inround.panel_inputs(
        run, applications, outdir, record_file, params, include
    )
    ev = evaluator(params)
    the_panel = _panel(ev, panel_file, framework)
    paths, outdir, record_path = _places(run, applications, Path(outdir), record_file)
    _refuse_existing_forms(outdir, the_panel, force)
    run.outputs([], outdir)
    with atomic.scratch() as tmp:
        kind = _Issue(forms, xlsm, jobs, meeting)
        written, notes, record = _issue(ev, the_panel, paths, framework, Path(tmp), kind)
        final = [dataclasses.replace(w, path=outdir / Path(w.path).name) for w in written]
        members = {f.path: door.copy_writer(w.path) for w, f in zip(written, final, strict=True)}
        _commit_with_record(run, members, record_path, record)
    forms_in_round = outdir if run.round is not None else None
    _say(notes, final, meeting, record_path, record.round, forms_in_round)


def _places(run: door.Door, applications, outdir: Path, record_file) -> tuple[list, Path, Path]:
    """The applications' files, the forms' folder and where the record goes (never beside
    the forms); a usage error when there is nothing to read or the record's place is unsafe."""
    paths = run.expand(applications)
    if not paths:
        raise click.UsageError("没有找到可读取的申报文件（.json、.xlsx）")
    try:
        record_path = new_record_location(record_file, outdir, applications)
    except RecordError as exc:
        raise click.BadParameter(str(exc), param_hint="--record") from None
    return paths, outdir, record_path


@dataclasses.dataclass(frozen=True)
class _Issue:
    """How the forms go out: workbooks or JSON, macro-enabled or not, in how many processes,
    one per expert or one meeting summary."""

    forms: str
    xlsm: bool
    jobs: int | None
    meeting: bool = False


def _refuse_existing_forms(outdir: Path, the_panel, force: bool) -> None:
    """Forms of this panel already in the folder are refused before any work (their names
    depend on the applications' sets, known only once read): rerun with ``--force``."""
    from iipeval.core.panel.roster import safe_name

    if force or not outdir.is_dir():
        return
    panel = safe_name(the_panel.id)
    found = sorted(
        p.name
        for pattern in (f"review_{panel}_*", f"summary_{panel}*")
        for p in outdir.glob(pattern)
    )
    if found:
        raise click.UsageError(
            f"评分表已存在：{'、'.join(found[:5])}{'等' if len(found) > 5 else ''}（{door.shown(outdir)}）；"
            "如需覆盖，请加 --force"
        )


def _panel(ev, panel_file: str, framework: str | None):
    """The panel file, read and checked against the loaded sets (a usage error if not)."""
    from iipeval.core.panel.roster import PanelError, load_panel

    try:
        the_panel = load_panel(panel_file)
    except PanelError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel") from None
    if framework:
        registered(ev, framework)
    if the_panel.framework:
        try:
            ev.framework(the_panel.framework)
        except Exception as exc:
            raise click.BadParameter(
                f"{panel_file}: [framework] {exc}", param_hint="--panel"
            ) from None
    return the_panel


def _issue(ev, the_panel, paths, framework, tmp: Path, kind: _Issue):
    """The forms built in ``tmp`` (staged, put in place as one set), notes, the record."""
    from iipeval.excel.cells.lean import load_openpyxl

    load_openpyxl()  # the forms hold no numpy number: openpyxl without numpy's 0.09 s
    from iipeval.excel.review.workbook import PanelGenerationError, generate_panel

    try:
        written, notes, record = generate_panel(
            ev,
            intake.applications(paths, params=ev.params, jobs=kind.jobs, loaded=ev),
            the_panel,
            tmp,
            framework=framework,
            force=True,
            issued_suffix=".xlsm" if kind.xlsm else ".xlsx",
            forms=kind.forms,
            jobs=kind.jobs or os.cpu_count() or 1,
            staged=True,
            meeting=kind.meeting,
        )
    except PanelGenerationError as exc:
        render.echo(f"错误：{exc}", err=True)
        raise SystemExit(1) from None
    if kind.xlsm:
        from iipeval.excel.xlsm import XlsmError, panel_to_xlsm

        try:
            written = panel_to_xlsm(written, tmp / "xlsm", True)
        except XlsmError as exc:
            raise click.UsageError(str(exc)) from None
    return written, notes, record


def _commit_with_record(run: door.Door, members: dict, record_path: Path, record) -> None:
    """The record staged first, private from its first byte and outside the forms' folder,
    then the forms put in place as one set, then the record: a run stopped before the forms
    are out leaves no record behind, so the same command can simply be run again."""
    from iipeval.core.intake.private import PrivateFileError, private_folder

    try:
        private_folder(record_path.parent)
        staged = stage_record(record_path, record)
    except (PrivateFileError, RecordError) as exc:
        raise atomic.OutputError(str(exc)) from None
    try:
        run.commit(members)
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    try:
        place_record(staged, record_path)
    except RecordError as exc:
        raise atomic.OutputError(
            f"{exc}；评分表已写出，但没有登记无法核验：请换一个 --record 位置，加 --force 重新生成"
        ) from None


def _say(
    notes: list[str],
    final: list,
    meeting: bool,
    record_path: Path,
    round_id: str,
    forms_in_round: Path | None = None,
) -> None:
    """What was issued, where the record is (it stays with the organiser), and what comes
    next: outside a round the command that reads the record; inside one (``forms_in_round``
    is then the forms' folder) the round keeps the record and the forms come back through
    受理."""
    for note in notes:
        render.echo(f"提示：{note}", err=True)
    for w in final:
        who = "评审组会议评审汇总表" if meeting else f"专家 {w.expert.id} {w.expert.name}".strip()
        extra = f"，回避{len(w.excluded)}份" if w.excluded else ""
        render.echo(f"已生成 {w.path}（{who}，{w.framework}，{w.rows}份申报{extra}）")
    kept = (
        f"已生成评审组登记 {record_path}（评审轮次 {round_id}，仅本人可读）：内含本轮签名密钥，"
        "仅由组织方保存，切勿随评分表发给专家。"
    )
    if forms_in_round is None:
        render.echo(
            f"{kept}评分时以它核验交回的评分表：iipeval score 申报 "
            f"--reviews 评分表 --panel-record {record_path}"
        )
        return
    what = "评审组会议评审汇总表" if meeting else "评分表"
    render.echo(kept)
    render.echo(
        f"下一步：把 {door.shown(forms_in_round)}/ 中的{what}发给专家；交回后在本轮文件夹中运行 "
        f"iipeval receive 交回的{what}… 受理，再运行 iipeval status 查看谁尚未交回"
    )
