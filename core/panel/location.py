"""Where the round's record lives, and where it never does.

The record holds the round's key, so it is trusted for where the organiser keeps it, never
for being found: a record is read from the file the organiser names (``--panel-record``)
and nowhere else. It is never looked for beside the returned forms, where anyone who
hands a form in could have put one, and a record named there is refused; a record among
the forms is named as ignored. :func:`record_location` is the one place that says where
the record is read from (the round's own private folder joins it there), and
:func:`new_record_location` where ``panel`` may write one.

Every path is compared resolved (symbolic links followed), so a link does not make a
folder of forms look like somewhere else.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from iipeval.core.panel.record import RECORD_NAME, RecordError

#: The 核查表 issued in a round are recorded beside its record, under this suffix
#: (``panel-record.json`` → ``panel-record.verification.json``): the record itself is
#: never rewritten, so a run that used it can still be reproduced.
LEDGER_SUFFIX = ".verification.json"


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def _within(path: Path, folders: Iterable[Path]) -> Path | None:
    """The first of ``folders`` that ``path`` is, or is inside."""
    target = _real(path)
    for folder in folders:
        root = _real(folder)
        if target == root or root in target.parents:
            return Path(folder)
    return None


def _each(args: Iterable[str | Path]) -> list[tuple[Path, bool]]:
    """Every path the arguments name, globs expanded, and whether it is a folder."""
    out: list[tuple[Path, bool]] = []
    for arg in args:
        text = str(arg)
        found = sorted(glob.glob(text, recursive=True)) if any(c in text for c in "*?[") else [arg]
        out += [(Path(p), Path(p).is_dir()) for p in found]
    return out


def _among_forms(path: Path, review_args: Iterable[str | Path]) -> Path | None:
    """The folder of returned forms ``path`` lies in: anywhere inside a folder given (it is
    read through, subfolders too), or directly beside a form given as a file."""
    named = _each(review_args)
    inside = _within(path, [p for p, folder in named if folder])
    if inside is not None:
        return inside
    beside = [p.parent for p, folder in named if not folder]
    return next((f for f in beside if _real(f) == _real(path).parent), None)


def record_location(
    given: str | Path | None, review_args: Iterable[str | Path] = ()
) -> Path | None:
    """The record a command reads: the file the organiser names, or ``None`` (no record:
    the forms are taken as they are and every result says so). Refused, with
    :class:`RecordError`, when it is among the returned forms."""
    if given is None:
        return None
    path = Path(given)
    folder = _among_forms(path, review_args)
    if folder is not None:
        raise RecordError(
            f"{path}: 评审组登记位于评分表文件夹 {folder} 中，不予使用：交回评分表的人可以放入或替换"
            "这里的文件，本轮签名密钥也会随评分表传出。请把登记移到评分表文件夹以外、只有组织方能读的"
            "位置，再用 --panel-record 指定"
        )
    return path


def new_record_location(
    given: str | Path, forms_folder: str | Path, input_args: Iterable[str | Path]
) -> Path:
    """Where ``panel`` may write a new record: not an existing file (a new key would leave
    the forms already issued unverifiable), not inside the folder of forms that go out to
    the experts, not inside a folder of inputs. Raises :class:`RecordError`."""
    path = Path(given)
    if path.exists() or path.is_symlink():
        raise RecordError(
            f"{path}: 评审组登记已存在，未覆盖：重新生成会换新密钥，已下发的评分表将无法核验。"
            "如确需重新下发全部评分表，请先将旧登记移走或另指定 --record"
        )
    if _within(path, [Path(forms_folder)]) is not None:
        raise RecordError(
            f"{path}: 评审组登记不能写在评分表输出文件夹 {forms_folder} 中（评分表要发给专家，"
            "登记中的本轮签名密钥只能由组织方保存）；请另选只有组织方能读的位置"
        )
    folders = [Path(a) for a in input_args if Path(a).is_dir()]
    files = [Path(a) for a in input_args if not Path(a).is_dir()]
    inside = _within(path, folders)
    if inside is not None or any(_real(f) == _real(path) for f in files):
        raise RecordError(
            f"{path}: 评审组登记不能写在输入位置 {inside or path} 中；请另选只有组织方能读的位置"
        )
    return path


def ignored_records(review_args: Iterable[str | Path]) -> list[Path]:
    """Files named like a record among the returned forms: never read, each named."""
    found: list[Path] = []
    for p, folder in _each(review_args):
        found += sorted(p.rglob(RECORD_NAME)) if folder else [p]
    return [p for p in dict.fromkeys(found) if p.name == RECORD_NAME and p.is_file()]


def ledger_location(record: str | Path) -> Path:
    """Where the 核查表 issued under ``record`` are recorded: beside it, as private."""
    path = Path(record)
    return path.with_name(path.stem + LEDGER_SUFFIX)
