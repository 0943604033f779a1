"""Shared helpers for the workbook tests: a small criteria set, fill-in, LibreOffice.

The small set exercises every feature the workbook has to render: subtypes, an item
shared by two indicators, an expert part, a percent item, items that allow 不适用, a
consistency check, an exclusion declaration, and choice/text items outside indicators.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import openpyxl

from iipeval.core.api import Evaluator
from iipeval.core.hookspecs import hookimpl
from iipeval.core.host import Host
from iipeval.core.model.criteria import Framework
from iipeval.excel.application import meta as meta_sheet
from iipeval.excel.application.layout import META

DEVICES = ["devices_operating", "devices_processing", "devices_mobile", "devices_other"]
RUBRIC = {"优秀": "生态活跃", "良好": "较活跃", "一般": "一般", "较差": "不活跃"}

SMALL: dict[str, Any] = {
    "id": "wbtest",
    "name": "测试用工业互联网平台",
    "short_name": "测试体系",
    "platform_type": "测试型工业互联网平台",
    "version": "0.1",
    "intro": "测试用评价体系，围绕资源与可持续发展两个维度评价。",
    "source": {
        "document": "测试用工业互联网平台申报能力要求",
        "issuer": "iipeval 测试组",
        "year": 2024,
        "year_note": "文件未注明年份，按发布时间计",
        "attachment": "附件9",
        "corrections": [{"transcribed": "杀手铜", "official": "杀手锏", "note": "转录错字"}],
    },
    "general_items": ["major_safety_incident", "platform_field", "platform_url"],
    "items": [
        {
            "id": "platform_field",
            "label": "平台主要服务领域",
            "type": "choice",
            "choices": ["装备制造", "原材料", "消费品"],
            "required": False,
        },
        {"id": "platform_url", "label": "平台网址", "type": "text", "required": False},
    ],
    "subtypes": [
        {"id": "industry", "name": "行业级", "description": "面向重点行业"},
        {"id": "region", "name": "区域级", "description": "面向园区和产业集群"},
    ],
    "checks": [
        {
            "id": "active_le_registered",
            "left": "developers_active",
            "right": "developers_registered",
            "message": "活跃开发者数量不应超过注册开发者数量",
        }
    ],
    "exclusions": [
        {
            "id": "safety",
            "name": "重大安全生产事故",
            "item": "major_safety_incident",
            "rationale": "申报通知要求",
        }
    ],
    "dimensions": [
        {
            "id": "resource",
            "name": "平台资源管理水平",
            "requirement": "具备较强的设备管理能力，可接入海量工业设备，兼容多种工业协议，"
            "能够实现工业设备数据的采集、汇聚、分析与应用。",
            "weight": 60,
            "rationale": "测试",
            "indicators": [
                {
                    "id": "devices",
                    "name": "工业设备数量",
                    "description": "评价工业设备的连接数量和类型，包含运行设备、加工设备、"
                    "行走设备和其他设备四类。",
                    "weight": 25,
                    "kind": "定量",
                    "rationale": "测试",
                    "rule": {
                        "type": "weighted",
                        "components": [
                            {
                                "id": "scale",
                                "type": "log_scale",
                                "items": DEVICES,
                                "floor": 1000,
                                "benchmark": 1000000,
                                "weight": 70,
                            },
                            {"id": "breadth", "type": "coverage", "items": DEVICES, "weight": 30},
                        ],
                    },
                },
                {
                    "id": "protocols",
                    "name": "工业协议兼容",
                    "description": "评价工业协议兼容适配能力。",
                    "weight": 10,
                    "kind": "定量",
                    "rationale": "测试",
                    "rule": {
                        "type": "log_scale",
                        "items": ["protocols_supported", "devices_operating"],
                        "floor": 10,
                        "benchmark": 1000,
                    },
                },
                {
                    "id": "developers",
                    "name": "开发者数量",
                    "description": "评价注册开发者数量、活跃开发者数量等。",
                    "weight": 25,
                    "kind": "综合",
                    "rationale": "测试",
                    "rule": {
                        "type": "weighted",
                        "components": [
                            {
                                "id": "registered",
                                "type": "log_scale",
                                "items": ["developers_registered"],
                                "floor": 10,
                                "benchmark": 10000,
                                "weight": 40,
                            },
                            {
                                "id": "active",
                                "type": "ratio",
                                "numerator": "developers_active",
                                "denominator": "developers_registered",
                                "target": 30,
                                "weight": 30,
                            },
                            {
                                "id": "ecosystem",
                                "type": "expert",
                                "aspect": "开发者生态活跃度",
                                "rubric": RUBRIC,
                                "weight": 30,
                            },
                        ],
                    },
                },
            ],
        },
        {
            "id": "sustainability",
            "name": "可持续发展能力",
            "weight": 40,
            "rationale": "测试",
            "indicators": [
                {
                    "id": "finance",
                    "name": "经营与融资",
                    "description": "评价平台相关业务收入、资本融资和付费用户比例。",
                    "weight": 25,
                    "kind": "定量",
                    "rationale": "测试",
                    "rule": {
                        "type": "weighted",
                        "components": [
                            {
                                "id": "revenue",
                                "type": "log_scale",
                                "items": ["platform_revenue"],
                                "floor": 100,
                                "benchmark": 100000,
                                "weight": 50,
                            },
                            {
                                "id": "financing",
                                "type": "log_scale",
                                "items": ["financing"],
                                "floor": 100,
                                "benchmark": 100000,
                                "weight": 20,
                            },
                            {
                                "id": "paying",
                                "type": "ratio",
                                "numerator": "paying_user_share",
                                "target": 30,
                                "weight": 30,
                            },
                        ],
                    },
                },
                {
                    "id": "green",
                    "name": "安全与绿色",
                    "description": "评价数据安全防护能力与单位产值能耗降低幅度。",
                    "weight": 15,
                    "kind": "定量",
                    "rationale": "测试",
                    "rule": {
                        "type": "weighted",
                        "components": [
                            {"id": "security", "type": "flag", "item": "security_data"},
                            {
                                "id": "energy",
                                "type": "ratio",
                                "numerator": "energy_reduction",
                                "target": 20,
                            },
                        ],
                    },
                },
            ],
        },
    ],
}


def small_data(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(SMALL)
    data.update(changes)
    return data


def host_with(*datas: dict[str, Any]) -> Host:
    """A host with only the given criteria sets (no entry points, no built-ins)."""

    class Plugin:
        @staticmethod
        @hookimpl
        def register_frameworks(register):
            for d in datas:
                register(copy.deepcopy(d))

    return Host(entry_points=False, plugins=[("wbtest", Plugin)])


def small_evaluator(*datas: dict[str, Any]) -> Evaluator:
    host = host_with(*(datas or (SMALL,)))
    assert not host.problems, host.problems
    return Evaluator(host)


def builtin_frameworks() -> list[Framework]:
    return [rf.framework for rf in Evaluator().frameworks()]


# figures: the conformance kit's own plausible answers ----------------------------------

from iipeval.testing.sample import figures  # noqa: E402  (one source of sample data)

APPLICANT = {
    "name": "湖南示例工业互联网有限公司",
    "platform_name": "示例工业互联网平台",
    "credit_code": "91430100MA4L16JQ9D",
    "region": "湖南省长沙市",
    "contact": "张三",
    "phone": "0731-88888888",
}


def application_json(fw: Framework, values: dict[str, Any], subtype: str | None = None):
    return {
        "framework": fw.id,
        "subtype": subtype,
        "applicant": dict(APPLICANT),
        "items": {k: ({"na": True} if v == "不适用" else v) for k, v in values.items()},
    }


# workbooks --------------------------------------------------------------------------------


def slot_cells(path: Path) -> dict[str, tuple[str, str]]:
    """key → (sheet, cell), read from the workbook's own _meta sheet."""
    wb = openpyxl.load_workbook(path, read_only=True)
    grid = [list(r) for r in wb[META].iter_rows(values_only=True)]
    wb.close()
    return {s.key: (s.sheet, s.cell) for s in meta_sheet.parse(grid).slots}


def fill(
    path: Path,
    values: dict[str, Any],
    *,
    applicant: dict[str, Any] | None = None,
    subtype: str | None = None,
    evidence: dict[str, str] | None = None,
    out: Path | None = None,
) -> Path:
    """Fill a template the way a script would: openpyxl, by the workbook's own map.

    Values are written as given (bool → 是/否), so tests can put text or numbers where
    they like. The sheet protection stays on, as an applicant would leave it.
    """
    cells = slot_cells(path)
    wb = openpyxl.load_workbook(path)
    app = APPLICANT if applicant is None else applicant
    for key, value in app.items():
        sheet, cell = cells[f"applicant.{key}"]
        wb[sheet][cell] = value
    if subtype is not None:
        sheet, cell = cells["subtype"]
        wb[sheet][cell] = subtype
    for key, value in values.items():
        if key not in cells:
            continue
        if isinstance(value, bool):
            value = "是" if value else "否"
        sheet, cell = cells[key]
        wb[sheet][cell] = value
    for key, text in (evidence or {}).items():
        sheet, cell = cells[f"evidence:{key}"]
        wb[sheet][cell] = text
    target = out or path
    wb.save(target)
    return target


def filled_workbook(folder: Path, fw_id: str, subtype: str | None = None) -> Path:
    """A built-in set's template, written into ``folder`` and filled with the kit's sample
    figures (``folder/<set>.xlsx``)."""
    from iipeval.excel.application import template

    fw = Evaluator().framework(fw_id).framework
    path = folder / f"{fw_id}.xlsx"
    template.write(fw, path)
    return fill(path, figures(fw), subtype=subtype)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_convert(src: Path, outdir: Path, to: str = "xlsx") -> Path:
    """Convert with LibreOffice headless in a throwaway profile; returns the new file."""
    exe = soffice()
    assert exe, "soffice not installed"
    profile = Path(f"/tmp/lo_profile_{uuid.uuid4().hex[:8]}")
    outdir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, HOME=str(profile))
    try:
        subprocess.run(
            [
                exe,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                to,
                "--outdir",
                str(outdir),
                str(src),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            env=env,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    result = outdir / f"{src.stem}.{to.split(':')[0]}"
    assert result.exists(), f"LibreOffice produced no {result}"
    return result


def snapshot(path: Path) -> dict[str, Any]:
    """Everything a person or Excel sees in a workbook, without zip bytes or timestamps.

    Sheet names and states, every cell's value, number format and lock, merged ranges,
    data validations with their messages, protection, widths, heights, print setup.
    """
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {
        "sheets": [(ws.title, ws.sheet_state) for ws in wb.worksheets],
        "lock_structure": bool(wb.security and wb.security.lockStructure),
    }
    for ws in wb.worksheets:
        cells = {
            c.coordinate: (c.value, c.number_format, c.protection.locked)
            for row in ws.iter_rows()
            for c in row
            if c.value is not None or not c.protection.locked
        }
        dvs = sorted(
            (
                str(dv.sqref),
                dv.type,
                dv.operator,
                dv.formula1,
                dv.formula2,
                dv.allow_blank,
                dv.error,
                dv.errorTitle,
                dv.prompt,
                dv.promptTitle,
                dv.errorStyle,
            )
            for dv in ws.data_validations.dataValidation
        )
        prot = ws.protection
        out[ws.title] = {
            "cells": cells,
            "merged": sorted(str(m) for m in ws.merged_cells.ranges),
            "validations": dvs,
            "protection": (prot.sheet, prot.formatColumns, prot.formatRows, prot.password),
            "widths": {k: v.width for k, v in sorted(ws.column_dimensions.items())},
            "heights": {k: v.height for k, v in sorted(ws.row_dimensions.items())},
            "freeze": ws.freeze_panes,
            "print": (
                ws.page_setup.orientation,
                ws.page_setup.paperSize,
                ws.page_setup.fitToWidth,
                ws.print_title_rows,
                [b.id for b in ws.row_breaks.brk],
            ),
        }
    return out
