"""``iipeval weights``: weights with a stated origin (AHP questionnaires, one matrix,
objective weights from the data), written as a parameters file ``score --params`` accepts.

Plumbing only: the numbers come from :mod:`iipeval.core.ahp`, :mod:`~iipeval.core.ahp_round`
and :mod:`~iipeval.core.objective_weights`; the workbooks from
:mod:`iipeval.excel.questionnaire`. Every file from outside is read by :func:`isolated`.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import math
import multiprocessing as mp
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from iipeval.core import __version__
from iipeval.core.ahp import (
    CR_THRESHOLD,
    DEFAULT_RI,
    GROUP_METHODS,
    METHODS,
    RI_TABLES,
    AHPError,
    comparison_groups,
    consistency,
    most_inconsistent,
    parse_matrix,
    scale_text,
)
from iipeval.core.params import InputLimits, Parameters, ParamsError, apply

from . import inputs, render
from .main import cli, evaluator, registered

RI_OPTION = click.option(
    "--ri",
    type=click.Choice(sorted(RI_TABLES)),
    default=None,
    help=f"随机一致性指标表（默认 {DEFAULT_RI}：Saaty 1980）",
)
METHOD_OPTION = click.option(
    "--method",
    type=click.Choice(METHODS),
    default="geometric",
    show_default=True,
    help="权重计算方法：行几何平均（调查表实时公式所用）或主特征向量",
)
THRESHOLD_OPTION = click.option(
    "--threshold",
    type=click.FloatRange(min=0, min_open=True, max=1),
    default=CR_THRESHOLD,
    show_default=True,
    help="一致性比率 CR 的通过阈值（CR 小于该值为通过）",
)
FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@cli.group()
def weights() -> None:
    """权重的来源：层次分析法调查表、单个判断矩阵、客观赋权（熵权法、CRITIC）。"""


# --------------------------------------------------------------------------------------
# reading outside files


def _child(conn, fn: Callable[[str], Any], path: str, memory: int) -> None:  # in the child
    with contextlib.suppress(Exception):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        conn.send(("ok", fn(path)))
    except MemoryError:
        conn.send(("error", "读取该文件所需内存超过上限，文件可能被恶意构造，已跳过"))
    except Exception as exc:  # a reader bug becomes a message, not a traceback
        conn.send(("error", f"读取该文件时出错：{exc!r}"))


def isolated(fn: Callable[[str], Any], path: Path, limits: InputLimits) -> tuple[Any, str | None]:
    """``fn(path)`` for an untrusted workbook: guard first, then a child process with a
    memory limit and a deadline. Returns (value, None) or (None, Chinese message).

    The one call that opens an outside file for ``iipeval weights``; when the library's
    own sandbox runner lands (issue 12), only this body changes.
    """
    from iipeval.excel.guard import guard

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        report = guard(path, limits)
        if report.problem:
            return None, report.problem
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(child, fn, str(path), limits.worker_memory_mb * 2**20), daemon=True
    )
    proc.start()
    child.close()
    try:
        if not parent.poll(limits.worker_seconds):
            return None, f"读取该文件超过{limits.worker_seconds:g}秒仍未完成，已跳过"
        status, value = parent.recv()
    except (EOFError, OSError):
        return None, "读取该文件时处理进程异常退出（文件可能损坏或被恶意构造），已跳过"
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    return (value, None) if status == "ok" else (None, value)


def _fail(message: str, code: int = 1) -> None:
    click.echo(f"错误：{message}", err=True)
    raise SystemExit(code)


# --------------------------------------------------------------------------------------
# the parameters file written


def _toml_value(v: Any, top: bool = False) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ValueError(f"non-finite value {v!r}")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{_key(k)} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list | tuple):
        if not v:
            return "[]"
        if not top:  # inside an inline table a value stays on one line
            return "[" + ", ".join(_toml_value(x) for x in v) + "]"
        return "[\n" + "".join(f"  {_toml_value(x)},\n" for x in v) + "]"
    raise TypeError(type(v))


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k, ensure_ascii=False)


def parameters_text(
    framework_id: str,
    points: dict[str, float],
    subtype: str | None,
    origin: dict[str, Any],
    headline: str,
) -> str:
    """A parameters file with the weights and their origin, checked by the same model
    ``score --params`` uses (and applied to the set) before it is returned."""
    section = f"frameworks.{_key(framework_id)}." + (
        f"subtype_weights.{_key(subtype)}" if subtype else "weights"
    )
    lines = [
        f"# {headline}",
        "# 由 iipeval weights 生成；来源见 [origin]，结果的“参数”表同样显示。",
        "",
    ]
    lines.append(f"[{section}]")
    lines += [f"{_key(k)} = {_toml_value(float(v))}" for k, v in points.items()]
    lines += ["", "[origin]"]
    lines += [f"{_key(k)} = {_toml_value(v, top=True)}" for k, v in origin.items()]
    return "\n".join(lines) + "\n"


def _check_parameters(text: str, fw, subtype: str | None) -> None:
    params = Parameters.model_validate(tomllib.loads(text))
    apply(fw, params, subtype)


def _write(path: str, text: str, force: bool) -> None:
    from iipeval.reports.atomic import OutputError, write_atomic

    try:
        write_atomic(Path(path), lambda tmp: Path(tmp).write_text(text, "utf-8"), force=force)
    except OutputError as exc:
        _fail(str(exc), 2)


def _subtype_id(fw, subtype: str | None) -> str | None:
    if subtype is None:
        return None
    st = fw.subtype(subtype)
    if st is None:
        known = "、".join(f"{s.id}（{s.name}）" for s in fw.subtypes) or "（该评价体系没有子类型）"
        raise click.BadParameter(f"没有子类型“{subtype}”；可选：{known}", param_hint="--subtype")
    return st.id


# --------------------------------------------------------------------------------------
# iipeval weights questionnaire


@weights.command()
@click.argument("framework_id", metavar="ID")
@click.option("--subtype", help="子类型 id 或名称（如 特色型的 行业级 / 区域级）")
@click.option(
    "--panel",
    "panel_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="评审组文件（TOML），与 iipeval panel 相同",
)
@click.option(
    "-o",
    "--output",
    "outdir",
    required=True,
    type=click.Path(file_okay=False),
    help="调查表输出文件夹",
)
@RI_OPTION
@THRESHOLD_OPTION
@click.option("--force", is_flag=True, help="覆盖已存在的调查表")
def questionnaire(framework_id, subtype, panel_file, outdir, ri, threshold, force) -> None:
    """为评审组每位专家生成层次分析法（AHP）两两比较调查表（.xlsx，含实时一致性检验）。"""
    from iipeval.excel.questionnaire import generate
    from iipeval.excel.review_layout import PanelError, load_panel
    from iipeval.reports.atomic import OutputExists

    fw = registered(evaluator(), framework_id).framework
    st = _subtype_id(fw, subtype)
    try:
        panel = load_panel(panel_file)
    except PanelError as exc:
        raise click.BadParameter(str(exc), param_hint="--panel") from None
    if panel.framework and panel.framework != fw.id:
        raise click.BadParameter(
            f"{panel_file}: 评审组限定评价体系 {panel.framework}，与 {fw.id} 不符",
            param_hint="--panel",
        )
    try:
        written = generate(
            fw,
            panel,
            Path(outdir),
            subtype=st,
            ri=ri or DEFAULT_RI,
            threshold=threshold,
            force=force,
        )
    except OutputExists as exc:
        raise click.UsageError(str(exc)) from None
    sheets = len(comparison_groups(fw))
    for path, expert in written:
        who = f"{expert.id} {expert.name}".strip()
        click.echo(f"已生成 {path}（专家 {who}，{sheets}张比较表）")


# --------------------------------------------------------------------------------------
# iipeval weights derive


def _judgements(filled, fw):
    """A read questionnaire → (ExpertJudgements, findings): names in every pair row must be
    the set's names for the ids the meta sheet lists, in the set's order."""
    from iipeval.core.ahp_round import ExpertJudgements
    from iipeval.excel.questionnaire_reader import error

    src = filled.source
    findings = list(filled.findings)
    groups = {g.level: g for g in comparison_groups(fw)}
    levels = {}
    seen = set()
    for sheet in filled.sheets:
        g = groups.get(sheet.level)
        ids = tuple(i for i, _ in g.members) if g else ()
        if g is None or sheet.ids != ids:
            findings.append(
                error(
                    src,
                    "stale",
                    "比较对象与当前评价体系不一致（调查表可能来自旧版本）",
                    sheet=sheet.name,
                )
            )
            continue
        seen.add(sheet.level)
        names = [n for _, n in g.members]
        for (i, j), (a, b) in sheet.names.items():
            if (a, b) != (names[i], names[j]):
                findings.append(
                    error(
                        src,
                        "moved",
                        f"此行应比较“{names[i]}”与“{names[j]}”，表格内容已被改动",
                        sheet=sheet.name,
                        cell=f"A{sheet.cells[(i, j)][0][1:]}",
                    )
                )
        levels[sheet.level] = sheet.judgements
    for level, g in groups.items():
        if level not in seen:
            findings.append(error(src, "missing_sheet", f"缺少“{g.title}”的比较表"))
    je = ExpertJudgements(
        filled.fact("expert"), filled.fact("expert_name"), src, filled.sha256, levels
    )
    return je, findings


@weights.command()
@click.argument("questionnaires", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="输出的参数文件（.toml），可直接用于 score --params",
)
@click.option(
    "--panel",
    "panel_file",
    type=click.Path(dir_okay=False),
    help="评审组文件：只采用其中专家的调查表",
)
@METHOD_OPTION
@click.option(
    "--aggregation",
    type=click.Choice(GROUP_METHODS),
    default="AIJ",
    show_default=True,
    help="群组汇总：AIJ 判断矩阵几何平均；AIP 权重向量几何平均",
)
@RI_OPTION
@THRESHOLD_OPTION
@click.option("--force", is_flag=True, help="覆盖已存在的参数文件")
@FORMAT
def derive(questionnaires, output, panel_file, method, aggregation, ri, threshold, force, fmt):
    """读取专家交回的调查表（文件、文件夹或通配符），计算各专家 CR 与群组权重，写出参数文件。"""
    from iipeval.core.ahp_round import derive as run_round
    from iipeval.core.ahp_round import origin, repair_text
    from iipeval.excel.questionnaire_reader import Filled, read_questionnaire
    from iipeval.excel.review_layout import PanelError, load_panel

    ev = evaluator()
    roster = None
    if panel_file:
        try:
            roster = {e.id for e in load_panel(panel_file).experts}
        except PanelError as exc:
            raise click.BadParameter(str(exc), param_hint="--panel") from None
    paths = [p for p in inputs.expand(questionnaires) if p.suffix.lower() != ".json"]
    if not paths:
        raise click.UsageError("没有找到调查表（.xlsx）")
    read: list[Filled] = []
    for p in paths:
        if not p.exists():
            read.append(Filled(str(p), findings=[_err(str(p), "not_found", "文件不存在")]))
            continue
        value, problem = isolated(read_questionnaire, p, ev.params.input)
        read.append(
            value
            if value is not None
            else Filled(str(p), findings=[_err(str(p), "unreadable", problem)])
        )

    # which set: the one the questionnaires name (they must agree)
    sets = {(f.fact("framework"), f.fact("subtype")) for f in read if f.ok}
    if len(sets) > 1:
        listed = "、".join(f"{a}{'/' + b if b else ''}" for a, b in sorted(sets))
        _fail(f"调查表分属不同的评价体系或子类型：{listed}；请分别汇总")
    if not sets:
        _report_findings([x for f in read for x in f.findings])
        _fail("没有可用的调查表")
    fw_id, st = next(iter(sets))
    fw = registered(ev, fw_id).framework
    ri = ri or next((f.fact("ri_table") for f in read if f.ok), DEFAULT_RI)
    if ri not in RI_TABLES:
        ri = DEFAULT_RI

    usable, rejected, findings, by_expert = [], [], [], {}
    for f in read:
        je, fs = _judgements(f, fw) if f.facts else (None, list(f.findings))
        findings += fs
        if je is not None and roster is not None and je.expert not in roster:
            fs = [*fs, _err(f.source, "not_on_panel", f"专家编号“{je.expert}”不在评审组名单中")]
            findings.append(fs[-1])
        if any(x.severity.value == "error" for x in fs):
            rejected.append({"file": f.source, "reason": fs[0].message})
            continue
        by_expert.setdefault(je.expert, []).append(je)
    for expert, copies in sorted(by_expert.items()):
        if len(copies) > 1:  # one expert, one voice: never count a copy twice
            files = "、".join(c.source for c in copies)
            for c in copies:
                msg = f"专家“{expert}”交回了多份调查表（{files}），均不采用，请确认后只保留一份"
                findings.append(_err(c.source, "duplicate_expert", msg))
                rejected.append({"file": c.source, "reason": msg})
        else:
            usable.append(copies[0])
    _report_findings(findings)
    if not usable:
        _fail("没有可用的调查表：请按上面列出的单元格补正后重新汇总")
    try:
        result = run_round(
            fw, usable, method=method, aggregation=aggregation, ri=ri, threshold=threshold
        )
    except AHPError as exc:
        _fail(str(exc), 2)
    for g in result.groups:
        where = "维度" if not g.level else f"维度“{g.title}”下的指标"
        for v in g.excluded:
            click.echo(
                f"需调整：{where}，专家 {v.expert} 的 CR={v.result.cr:.4f}"
                f"（≥{threshold:g}），未计入；{repair_text(g, v, threshold)}",
                err=True,
            )
    if result.problems:
        for p in result.problems:
            click.echo(f"错误：{p}", err=True)
        raise SystemExit(1)
    prov = origin(
        fw,
        result,
        usable,
        subtype=st or None,
        method=method,
        aggregation=aggregation,
        ri=ri,
        threshold=threshold,
        rejected=rejected,
        tool_version=__version__,
    )
    headline = f"{fw.name}{'（' + st + '）' if st else ''}：层次分析法群组权重"
    text = parameters_text(fw.id, result.points, st or None, prov, headline)
    _check_parameters(text, fw, st or None)
    _write(output, text, force)
    if fmt == "json":
        click.echo(render.dumps({"weights": result.points, "origin": prov}))
    else:
        for g in result.groups:
            where = "维度" if not g.level else g.title
            cr = g.group.cr if g.group else None
            crs = "—" if cr is None else f"{cr:.4f}"
            click.echo(
                f"{where}：{len(g.included)}位专家计入，{len(g.excluded)}位未计入，群组 CR={crs}"
            )
        click.echo(f"已写出 {output}（可用于 iipeval score --params {output}）", err=True)
    sys.exit(1 if rejected else 0)


def _err(src: str, code: str, message: str):
    from iipeval.excel.questionnaire_reader import error

    return error(src, code, message)


def _report_findings(findings) -> None:
    for f in findings:
        where = f.where()
        click.echo(f"[{f.severity.value}] {where}：{f.message}", err=True)


# --------------------------------------------------------------------------------------
# iipeval weights ahp


def _read_table(path: str) -> list[list[Any]]:
    """The first sheet of an .xlsx or a UTF-8 .csv as rows of values (runs in the child)."""
    p = Path(path)
    if p.suffix.lower() == ".csv":
        with open(p, encoding="utf-8-sig", newline="") as fh:
            return [row for row in csv.reader(fh)]
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(path)
    return wb.get_sheet_by_index(0).to_python()


def _cell_name(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col + 1)}{row + 1}"


@weights.command()
@click.argument("matrix", type=click.Path(dir_okay=False))
@METHOD_OPTION
@RI_OPTION
@FORMAT
def ahp(matrix, method, ri, fmt) -> None:
    """计算一个判断矩阵（.csv 或 .xlsx，首行、首列为名称）的权重、λmax、CI 与 CR。"""
    path = Path(matrix)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("判断矩阵须为 .csv 或 .xlsx 文件", param_hint="MATRIX")
    if not path.exists():
        _fail(f"{matrix}: 文件不存在", 2)
    table, problem = isolated(_read_table, path, InputLimits())
    if problem:
        _fail(f"{matrix}: {problem}")
    names, a, problems = parse_matrix(table)
    if problems:
        for p in problems:
            click.echo(f"错误：{matrix} {_cell_name(p.row, p.col)}：{p.message}", err=True)
        raise SystemExit(1)
    try:
        res = consistency(a, method, ri or DEFAULT_RI)
    except AHPError as exc:
        _fail(str(exc), 2)
    repair = None if res.passes() else most_inconsistent(a, method, ri or DEFAULT_RI)
    data = {
        "weights": dict(zip(names, res.weights, strict=True)),
        "lambda_max": res.lambda_max,
        "ci": res.ci,
        "cr": res.cr,
        "ri": res.ri,
        "ri_table": res.ri_table,
        "method": res.method,
        "consistent": res.passes(),
    }
    if repair:
        data["most_inconsistent"] = {
            "row": names[repair.row],
            "column": names[repair.col],
            "cell": _cell_name(repair.row + 1, repair.col + 1),
            "current": repair.current,
            "suggested": repair.suggested,
            "cr_after": repair.cr_after,
        }
    if fmt == "json":
        click.echo(render.dumps(data))
        return
    for name, w in data["weights"].items():
        click.echo(f"{name}\t{w:.6f}")
    click.echo(f"λmax={res.lambda_max:.6f}  CI={res.ci:.6f}")
    if res.cr is None:
        click.echo("仅两项，无需一致性检验")
    else:
        mark = "通过" if res.passes() else "请调整"
        click.echo(f"RI={res.ri}（{RI_TABLES[res.ri_table].label}）  CR={res.cr:.6f}  {mark}")
    if repair:
        cell = data["most_inconsistent"]["cell"]
        click.echo(
            f"最不一致的判断：{cell}（“{names[repair.row]}”比“{names[repair.col]}”）"
            f"当前为 {scale_text(repair.current)}，建议改为 {scale_text(repair.suggested)}"
            f"（改后 CR={repair.cr_after:.4f}）"
        )


# --------------------------------------------------------------------------------------
# iipeval weights objective


def _matrix_csv(path: str) -> tuple[list[str], list[str], list[list[float]]]:
    table, problem = isolated(_read_table, Path(path), InputLimits())
    if problem:
        _fail(f"{path}: {problem}")
    rows = [r for r in table if any(str(v).strip() for v in r)]
    if len(rows) < 3:
        _fail(f"{path}: 须有首行名称、第二行类型（benefit/cost）和数据行")
    names = [str(v).strip() for v in rows[0]]
    types = [str(v).strip().lower() for v in rows[1]]
    if len(types) != len(names):
        _fail(f"{path} 第2行：类型个数（{len(types)}）与名称个数（{len(names)}）不符")
    for c, t in enumerate(types):
        if t not in ("benefit", "cost"):
            _fail(f"{path} {_cell_name(1, c)}：类型“{t}”无效，只能是 benefit 或 cost")
    data = []
    for r, row in enumerate(rows[2:], start=2):
        if len(row) != len(names):
            _fail(f"{path} 第{r + 1}行：有 {len(row)} 列，应为 {len(names)} 列")
        vals = []
        for c, v in enumerate(row):
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = math.nan
            if not math.isfinite(x):
                _fail(f"{path} {_cell_name(r, c)}：“{v}”不是数值")
            vals.append(x)
        data.append(vals)
    return names, types, data


def _scored_matrix(ev, files, reviews, fw, subtype):
    """Indicator scores of the applications (scored in the sandboxed workers), one row per
    application that has a score for every indicator."""
    from iipeval.core.batch import index_reviews
    from iipeval.core.results import Result

    from . import pool
    from .score import read_reviews

    paths = inputs.expand(files)
    if not paths:
        raise click.UsageError("没有找到可读取的输入文件（.json、.xlsx）")
    index = index_reviews(read_reviews(reviews))
    ids = [i.id for _, i in fw.indicators()]
    rows, used, skipped = [], [], []
    for out in pool.run(
        paths,
        params=ev.params,
        index=index,
        framework=fw.id,
        limits=pool.Limits.of(ev.params.input),
    ):
        if not isinstance(out, Result) or (subtype and out.subtype != subtype):
            skipped.append((out.source, "无法评分或子类型不符"))
            continue
        scores = {i.id: i.score for i in out.indicators}
        missing = [k for k in ids if scores.get(k) is None]
        if missing:
            skipped.append((out.source, f"{len(missing)}个指标没有得分"))
            continue
        rows.append((out.source, [float(scores[k]) for k in ids]))
    rows.sort()
    used = [s for s, _ in rows]
    return ids, [r for _, r in rows], used, sorted(skipped)


@weights.command()
@click.argument("files", nargs=-1)
@click.option("--framework", "framework_id", help="评价体系 id（由申报计算指标得分时必填）")
@click.option("--subtype", help="只用该子类型的申报，并写为该子类型的权重")
@click.option("--reviews", multiple=True, help="专家评分表或评分数据（定性指标需要）")
@click.option(
    "--matrix",
    "matrix_file",
    type=click.Path(dir_okay=False),
    help="直接给出数据矩阵（.csv：首行名称，第二行 benefit/cost，其后每行一个方案）",
)
@click.option(
    "--method",
    type=click.Choice(["entropy", "critic"]),
    required=True,
    help="熵权法（entropy）或 CRITIC",
)
@click.option(
    "--subjective",
    type=click.Path(dir_okay=False),
    help="与之组合的主观权重：参数文件（如 weights derive 的输出）",
)
@click.option(
    "--combine",
    type=click.Choice(["product", "linear"]),
    help="组合方式：product 乘积归一；linear 线性加权（见 --alpha）",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="线性组合时主观权重所占比例",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="输出的参数文件（.toml）")
@click.option("--force", is_flag=True, help="覆盖已存在的参数文件")
@FORMAT
def objective(
    files,
    framework_id,
    subtype,
    reviews,
    matrix_file,
    method,
    subjective,
    combine,
    alpha,
    output,
    force,
    fmt,
):
    """客观赋权：由一批申报的指标得分（或 --matrix 数据矩阵）计算熵权法或 CRITIC 权重。"""
    from iipeval.core.objective_weights import ObjectiveError
    from iipeval.core.objective_weights import combine as mix
    from iipeval.core.objective_weights import objective as weigh

    if bool(files) == bool(matrix_file):
        raise click.UsageError("请给出申报文件，或用 --matrix 给出数据矩阵（二者选一）")
    if combine and not subjective and not framework_id:
        raise click.UsageError("组合主观权重需要 --framework（默认权重）或 --subjective 参数文件")
    ev = evaluator()
    fw = registered(ev, framework_id).framework if framework_id else None
    st = _subtype_id(fw, subtype) if fw else None
    used, skipped, sources = [], [], []
    if matrix_file:
        names, types, data = _matrix_csv(matrix_file)
        sources = [{"file": matrix_file, "sha256": _sha(matrix_file)}]
    else:
        if fw is None:
            raise click.UsageError("由申报计算指标得分时须给出 --framework")
        names, data, used, skipped = _scored_matrix(ev, files, reviews, fw, st)
        types = ["benefit"] * len(names)
    try:
        res = weigh(method, data, types)
    except ObjectiveError as exc:
        _fail(f"{exc}（可用数据 {len(data)} 行）")
    w = list(res.weights)
    sub_origin = None
    if combine:
        sub_params = _load_subjective(subjective)
        if fw is None or any(n not in {i.id for _, i in fw.indicators()} for n in names):
            _fail("组合主观权重时，数据的列名须为该评价体系的指标 id（请给出 --framework）")
        eff = apply(fw, sub_params, st)
        s = [eff.indicator_points[n] for n in names]
        try:
            w = list(mix(s, w, combine, alpha))
        except ObjectiveError as exc:
            _fail(str(exc))
        sub_origin = {
            "file": subjective or "",
            "sha256": _sha(subjective) if subjective else "",
            "how": combine,
            "alpha": alpha if combine == "linear" else None,
        }
    weights_by_name = dict(zip(names, w, strict=True))
    constant = [names[j] for j in res.constant]
    for name in constant:
        click.echo(f"提示：{name} 的数值全部相同，不提供区分信息，客观权重为 0", err=True)
    for src, why in skipped:
        click.echo(f"提示：{src} 未计入（{why}）", err=True)
    if output:
        if fw is None or any(n not in {i.id for _, i in fw.indicators()} for n in names):
            _fail("写参数文件需要 --framework，且数据的列名须为该评价体系的指标 id", 2)
        zero = [n for n, x in weights_by_name.items() if x <= 0]
        if zero:
            _fail(
                f"指标 {'、'.join(zero)} 的权重为 0，参数文件要求权重为正数；"
                "可改用 --combine linear 与主观权重组合"
            )
        points = _points(fw, weights_by_name)
        labels = {"entropy": "熵权法", "critic": "CRITIC（Diakoulaki 1995）"}
        prov = {
            "method": method,
            "summary": f"客观赋权：{labels[method]}，依据 {res.rows} 份申报的指标得分"
            + (
                f"；与主观权重{'乘积归一' if combine == 'product' else f'线性组合（主观占 {alpha:g}）'}"
                if combine
                else ""
            ),
            "framework": fw.id,
            "framework_version": fw.version,
            "subtype": st or "",
            "rows": res.rows,
            "applications": used,
            "skipped": [{"file": s_, "reason": why} for s_, why in skipped],
            "matrix": sources,
            "constant": constant,
            "objective_weights": dict(zip(names, res.weights, strict=True)),
            "tool_version": __version__,
        }
        if sub_origin:
            prov["combined_with"] = {k: v for k, v in sub_origin.items() if v is not None}
        headline = f"{fw.name}：客观赋权（{labels[method]}）"
        text = parameters_text(fw.id, points, st, prov, headline)
        _check_parameters(text, fw, st)
        _write(output, text, force)
        click.echo(f"已写出 {output}", err=True)
    data_out = {
        "method": method,
        "rows": res.rows,
        "weights": weights_by_name,
        "constant": constant,
    }
    if fmt == "json":
        click.echo(render.dumps(data_out))
    else:
        for name, x in weights_by_name.items():
            click.echo(f"{name}\t{x:.6f}")


def _points(fw, weights_by_name: dict[str, float]) -> dict[str, float]:
    """Global indicator weights → points per dimension (their sum) and indicator."""
    total = sum(weights_by_name.values())
    out: dict[str, float] = {}
    for d in fw.dimensions:
        out[d.id] = sum(fw.total_weight * weights_by_name[i.id] / total for i in d.indicators)
        for i in d.indicators:
            out[i.id] = fw.total_weight * weights_by_name[i.id] / total
    return out


def _load_subjective(path: str | None) -> Parameters:
    from iipeval.core.params import load_parameters

    try:
        return load_parameters(path)
    except ParamsError as exc:
        raise click.BadParameter(str(exc), param_hint="--subjective") from None


def _sha(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


__all__ = ["isolated", "parameters_text", "weights"]
