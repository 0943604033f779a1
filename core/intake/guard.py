"""Check an untrusted workbook with the standard library before any parser touches it.

Applicants' files come from outside. A parser handed a ZIP bomb, an XML entity bomb or a
sheet that claims a million rows can exhaust the machine; so every limit is checked on
the raw bytes first, and every refusal says in Chinese what is wrong and what to do.
The defaults sit far above any real 申报表 (a few hundred KB, one sheet of a few hundred
rows) and are parameters (:class:`GuardLimits`).

:func:`guard` gives the verdict on a whole file: every part inflated and checked. A
reader that goes on to parse the file opens a :class:`.package.Package` instead, which
checks each part as it is inflated for the parser, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from iipeval.core.intake.package import Refused, open_package
from iipeval.core.scoring.params import InputLimits

#: The limits live with the other parameters (``[input]`` in a parameters file).
GuardLimits = InputLimits


@dataclass
class GuardReport:
    """``problem`` is a refusal (the file must not be parsed); notices are informational."""

    problem: str | None = None
    code: str | None = None
    notices: list[tuple[str, str]] = field(default_factory=list)


def guard(path: str | Path, limits: GuardLimits | None = None) -> GuardReport:
    """Every part of ``path`` inflated and checked: a refusal, or the notices."""
    try:
        package = open_package(path, limits)
        for name in package.names():
            package.part(name)
    except Refused as exc:
        return GuardReport(problem=exc.message, code=exc.code)
    return GuardReport(notices=package.notices)
