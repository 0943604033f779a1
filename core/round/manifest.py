"""The record of a run: what went in, with which tool and parameters, and what came out.

Every ``score`` run that writes results writes a manifest beside them: a run id, the tool
and plugin versions, every input (applications, expert workbooks, 核查表, the parameters
file) with its SHA-256, the parameters hash of every set, the time the outputs carry, and
the SHA-256 of every output. ``iipeval reproduce MANIFEST`` re-runs from it and checks the
outputs byte for byte, so a published score can be shown to come from these inputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.dataclasses import dataclass

FORMAT = "iipeval.manifest"
VERSION = 1
SUFFIX = ".manifest.json"
ROLES = {
    "application": "申报",
    "review": "专家评分表",
    "verification": "核查表",
    "panel_record": "评审组登记",
    "parameters": "参数文件",
    "questionnaire": "AHP调查表",
}


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass(frozen=True, slots=True, config=ConfigDict(extra="forbid"))
class FileRecord:
    """One file a run read or wrote. Checked like a model, held as small as a tuple: a
    national round reads twenty thousand of them."""

    path: str  # as given on the command line (relative to ``cwd``)
    sha256: str
    bytes: int
    role: str = ""

    def model_dump(self) -> dict:
        """The record as plain data (what a model would give)."""
        return dataclasses.asdict(self)


class Command(BaseModel):
    """The ``score`` (or ``robustness``) invocation, enough to run it again."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["score", "robustness"] = "score"
    files: list[str]
    reviews: list[str] = []
    panel_record: str | None = None
    verified: list[str] = []
    framework: str | None = None
    params: list[str] | str | None = None  # several files are read together, in this order
    output: str
    publish: str | None = None
    robustness: bool = False
    cards: bool | None = None  # --cards / --no-cards (None: by batch size)
    reader: str = "organiser"  # --for: organiser (whole record) or committee copy
    #: the robustness analysis's options as given (draws, spread, seed, method, quota,
    #: min_scores, resamples), and the AHP questionnaires its weight draws came from
    analysis: dict[str, Any] | None = None
    ahp: list[str] = []
    #: run in a round: it waited for every form the round issued but these (expert, set or
    #: None for all), as ``iipeval waive`` recorded them; None: run outside a round
    waived: list[tuple[str, str | None]] | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["iipeval.manifest"] = FORMAT
    version: int = VERSION
    run_id: str
    generated_at: datetime
    cwd: str
    tool_version: str
    plugins: dict[str, str]  # plugin → version
    frameworks: dict[str, str]  # criteria set → version
    command: Command
    inputs: list[FileRecord]
    parameters_file_sha256: str | None = None
    parameters_hashes: dict[str, str]  # set[/subtype] → hash of the effective parameters
    outputs: list[FileRecord]
    #: a robustness analysis's settings (seed, method…) and the library versions it ran on
    robustness: dict[str, Any] | None = None
    #: run inside a round: the head of the round's log when it ran, so a log rewritten
    #: afterwards (even with the key) no longer matches the results already published
    round_log: str | None = None


def record(path: str | Path, role: str = "") -> FileRecord:
    return FileRecord(
        path=str(path), sha256=file_sha256(path), bytes=os.stat(path).st_size, role=sys.intern(role)
    )


def run_id(generated_at: datetime, inputs: Iterable[FileRecord]) -> str:
    """When, and a digest of what went in: two runs on the same inputs at the same second
    share an id, and that is fine, they are the same run."""
    h = hashlib.sha256()
    for r in inputs:
        h.update(f"{r.role}\0{r.path}\0{r.sha256}\n".encode())
    return f"{generated_at:%Y%m%dT%H%M%S}-{h.hexdigest()[:12]}"


def manifest_path(output: Path) -> Path:
    """``out/results.xlsx`` → ``out/results.manifest.json``."""
    return output.with_name(f"{output.stem}{SUFFIX}")
