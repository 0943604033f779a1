"""Names of outputs made from the names of inputs (a 核查表 per application, a 补正 return
per workbook): printable, within the file system's limit, and distinct in their folder.

An applicant names the file they submit; its name may be 254 bytes long, hold control
characters or characters Windows refuses. Outputs derived from it must still be written,
and two inputs called alike must never write one output.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

#: The bytes a name may have (most file systems: 255), less room for a ``_N`` that keeps
#: names apart.
NAME_BYTES = 255 - 8
#: control characters, lone surrogates, and what Windows refuses in a name
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f<>:"/\\|?*\ud800-\udfff]')


def derived(stem: str, tail: str, limit: int = NAME_BYTES) -> str:
    """``stem + tail`` as a file name that can be written: unsafe characters become ``_``;
    a stem too long is cut, with a short hash of the whole stem so cut names stay apart."""
    clean = _UNSAFE.sub("_", stem).strip(" .") or "_"
    name = clean + tail
    if len(os.fsencode(name)) <= limit:
        return name
    digest = hashlib.sha1(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    room = max(0, limit - len(f"-{digest}{tail}".encode()))
    cut = clean.encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{cut}-{digest}{tail}"


class Names:
    """Distinct output names in one folder: a second ``x_核查表.xlsx`` is ``x_核查表_2.xlsx``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.taken: set[str] = set()

    def __call__(self, stem: str, tail: str) -> Path:
        name = derived(stem, tail)
        base, suffix = Path(name).stem, Path(name).suffix
        candidate, n = name, 1
        while candidate.lower() in self.taken:  # Windows and macOS ignore case
            n += 1
            candidate = f"{base}_{n}{suffix}"
        self.taken.add(candidate.lower())
        return self.directory / candidate
