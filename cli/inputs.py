"""Turn command-line arguments into readable inputs: files, folders and globs."""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from pathlib import Path

from iipeval.core.api import Evaluator, Loaded, load_json
from iipeval.core.findings import Finding, Severity
from iipeval.core.panel_record import RECORD_NAME

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls"}  # .xls only to tell the applicant to re-save it
SUFFIXES = {".json"} | WORKBOOK_SUFFIXES


def expand(args: Iterable[str]) -> list[Path]:
    """Files as given, folders searched recursively, globs expanded; sorted, no repeats.

    A name that matches nothing is kept so that the reader reports it as an input error.
    """
    out: dict[Path, None] = {}
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            found = [f for f in sorted(p.rglob("*")) if f.suffix.lower() in SUFFIXES]
            out.update(dict.fromkeys(f for f in found if not _skipped(f)))
        elif any(ch in arg for ch in "*?["):
            out.update(dict.fromkeys(Path(m) for m in sorted(glob.glob(arg, recursive=True))))
        else:
            out[p] = None
    return list(out)


def _skipped(path: Path) -> bool:
    """Files a folder holds that are not inputs: Excel's lock files, the panel's record."""
    return path.name.startswith("~$") or path.name == RECORD_NAME


def _workbook_reader() -> Callable[[Path, Evaluator | None], Loaded]:
    from iipeval.excel.reader import read_workbook

    return read_workbook


def read(path: Path, ev: Evaluator | None = None) -> Loaded:
    """Read one input with the reader its suffix calls for.

    ``ev`` is the caller's evaluator, so a workbook reader uses the plugins already loaded.
    """
    src = str(path)
    if not path.exists():
        return Loaded(src, None, [_error(src, "not_found", "文件不存在")])
    suffix = path.suffix.lower()
    if suffix == ".json":
        return load_json(path, ev.params.input if ev else None)
    if suffix in WORKBOOK_SUFFIXES:
        return _workbook_reader()(path, ev)
    return Loaded(
        src,
        None,
        [
            _error(
                src,
                "unsupported",
                f"不支持的文件类型“{suffix or '无扩展名'}”：请提交 .xlsx 申报表或 .json 数据",
            )
        ],
    )


def _error(src: str, code: str, message: str) -> Finding:
    return Finding(severity=Severity.error, code=code, message=message, file=src)
