"""Turn command-line arguments into input paths: files, folders and globs.

Reading them is :mod:`iipeval.excel.intake`'s job (guarded, in workers); this module only
finds them, and checks that no output would land on or inside one of them.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable
from pathlib import Path

from iipeval.core.panel import RECORD_NAME
from iipeval.excel.intake import SUFFIXES
from iipeval.present.atomic import TEMP_PREFIX


def _wanted(f: Path) -> bool:
    return (
        f.suffix.lower() in SUFFIXES
        and not f.name.startswith("~$")  # Excel's lock file of an open workbook
        and not f.name.startswith(TEMP_PREFIX)  # an output being (or once being) written
        and f.name != RECORD_NAME  # the panel's record, beside the forms it issued
    )


def expand(args: Iterable[str]) -> list[Path]:
    """Files as given, folders searched recursively, globs expanded; sorted, no repeats.

    A name that matches nothing is kept so that the reader reports it as an input error.
    """
    out: dict[Path, None] = {}
    for arg in args:
        p = Path(arg)
        if p.is_dir():
            out.update(dict.fromkeys(sorted(_below(p))))
        elif any(ch in arg for ch in "*?["):
            out.update(dict.fromkeys(Path(m) for m in sorted(glob.glob(arg, recursive=True))))
        else:
            out[p] = None
    return list(out)


def _below(folder: Path) -> list[Path]:
    """The wanted files below ``folder``, as ``[f for f in folder.rglob("*") if _wanted(f)]``
    finds them (every entry of every folder; a link to a folder listed, not entered; a
    folder that cannot be read passed over), without the set of every path ever found
    that ``rglob`` holds until it ends: a folder of 20,000 applications keeps only them."""
    found: list[Path] = []
    folders = [folder]
    while folders:
        here = folders.pop()
        try:
            with os.scandir(here) as entries:
                listed = list(entries)
        except PermissionError:
            continue
        for entry in listed:
            if _is_folder(entry):
                folders.append(here / entry.name)
            if _wanted(Path(entry.name)):
                found.append(here / entry.name)
    return found


def _is_folder(entry: os.DirEntry) -> bool:
    """A folder to enter: a real one, not a link to one (as ``rglob`` decides)."""
    try:
        return entry.is_dir() and not entry.is_symlink()
    except OSError:
        return False


def _real(path: Path) -> Path:
    """Absolute, symlinks resolved, even for a path that does not exist yet."""
    return Path(os.path.realpath(path))


def overlap(outputs: Iterable[Path], args: Iterable[str], found: Iterable[Path]) -> str | None:
    """A Chinese sentence if an output is, or is inside, an input (file or folder).

    ``args`` are the input arguments as given (folders count as a whole); ``found`` are
    the files they expanded to. Writing there could overwrite an application or be read
    back as one in the next run.
    """
    roots = [_real(Path(a)) for a in args if not any(ch in a for ch in "*?[")]
    roots += [_real(p) for p in found]
    for out in outputs:
        target = _real(out)
        for root in roots:
            if target == root or root in target.parents:
                return f"输出 {out} 与输入 {root} 重合或位于其中：输入文件不得被覆盖，输出也不得混入输入，请另选输出位置"
    return None


def mixed_in(folders: Iterable[Path], found: Iterable[Path]) -> str | None:
    """A Chinese sentence if an output folder is the folder an input file lies in: outputs
    written there would be read back as inputs by the next run over that folder."""
    homes = {_real(p).parent for p in found}
    for folder in folders:
        if _real(folder) in homes:
            return (
                f"输出文件夹 {folder} 是输入文件所在的文件夹：输出不得与输入混在一起，"
                "请另建一个文件夹"
            )
    return None
