"""A round is a folder: its stages' folders, its settings, and a private state folder.

``iipeval round init DIR`` makes one; every command run inside it (found from the working
directory upward, as git finds its repository, or named with ``--round DIR``) takes its
inputs from it and records what it did in its log. Outside a round every command works on
the files it is given, as before.

Nothing secret is ever written where forms, returns or results go: the round's key, the
panel record, the register and the log live in ``.iipeval/`` (mode 0700, files 0600),
which is refused if it is looser.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from iipeval.core.errors import describe
from iipeval.core.intake.private import PrivateFileError
from iipeval.core.round.private import (
    check_private_dir,
    make_private_dir,
    read_private,
    write_private,
)

SETTINGS = "round.toml"
STATE = ".iipeval"

#: stage → folder name; the folders a clerk opens, in the order of the round
STAGES = {
    "received": "1-申报",  # applications received (受理), kept as received
    "returns": "2-补正",  # 补正 returns sent back, one folder per batch
    "forms": "3-评分表",  # expert forms issued
    "returned": "4-交回评分表",  # expert forms received back
    "verification": "5-核查表",  # 核查表 issued
    "verified": "6-交回核查表",  # 核查表 received back
    "weights": "7-权重",  # AHP questionnaires, weights derived from them
    "parameters": "8-参数",  # parameter files, read together in name order
    "results": "9-结果",  # every scoring run's outputs, one folder per run
}


class RoundError(ValueError):
    """A round folder that cannot be used; the message names it and says why."""


class RoundSettings(BaseModel):
    """``round.toml``: what the round is, written once at ``round init``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="评审轮次名称")
    frameworks: list[str] = Field(default_factory=list, description="本轮的评价体系（空为不限）")
    created: datetime
    format: str = "iipeval.round"
    version: int = 1


class Round:
    """An opened round: where its stages and its private state are."""

    def __init__(self, root: Path, settings: RoundSettings) -> None:
        self.root, self.settings = root, settings

    @property
    def state(self) -> Path:
        return self.root / STATE

    def stage(self, name: str) -> Path:
        return self.root / STAGES[name]

    def private(self, name: str) -> Path:
        return self.state / name

    def read(self, name: str) -> bytes | None:
        """A private file's bytes (``None`` if it does not exist yet), checked as ssh checks."""
        check_private_dir(self.state)
        path = self.private(name)
        if not path.exists() and not path.is_symlink():
            return None
        return read_private(path)

    def write(self, name: str, data: bytes) -> None:
        check_private_dir(self.state)
        write_private(self.private(name), data)


def _settings_text(settings: RoundSettings) -> str:
    sets = ", ".join(f'"{f}"' for f in settings.frameworks)
    name = settings.name.replace("\\", "\\\\").replace('"', '\\"')
    return (
        "# 本轮评审的设置（iipeval round init 生成）\n"
        f'format = "{settings.format}"\nversion = {settings.version}\n'
        f'name = "{name}"\nframeworks = [{sets}]\ncreated = {settings.created.isoformat()}\n'
    )


def init_round(root: Path, name: str, frameworks: list[str], now: datetime) -> Round:
    """Make the round's folders, settings and private state; refuse a folder in use."""
    root = Path(root)
    if (root / SETTINGS).exists() or (root / STATE).exists():
        raise RoundError(f"{root}: 已经是一个评审轮次的文件夹")
    if root.exists() and any(root.iterdir()):
        raise RoundError(f"{root}: 文件夹不是空的，请为新的评审轮次另建一个文件夹")
    settings = RoundSettings(name=name, frameworks=frameworks, created=now)
    root.mkdir(parents=True, exist_ok=True)
    make_private_dir(root / STATE)
    for folder in STAGES.values():
        (root / folder).mkdir()
    (root / SETTINGS).write_text(_settings_text(settings), encoding="utf-8")
    return Round(root, settings)


def open_round(root: Path) -> Round:
    """The round at ``root``: its settings read, its private folder checked."""
    root = Path(root)
    try:
        data = tomllib.loads((root / SETTINGS).read_text(encoding="utf-8"))
        settings = RoundSettings.model_validate(data)
    except FileNotFoundError:
        raise RoundError(f"{root}: 不是评审轮次的文件夹（没有 {SETTINGS}）") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RoundError(f"{root / SETTINGS}: 无法读取（{exc}）") from None
    except ValidationError as exc:
        raise RoundError(f"{root / SETTINGS}: {describe(exc)}") from None
    try:
        check_private_dir(root / STATE)
    except FileNotFoundError:
        raise RoundError(f"{root}: 缺少私有文件夹 {STATE}（不是完整的评审轮次）") from None
    except PrivateFileError as exc:
        raise RoundError(str(exc)) from None
    return Round(root.resolve(), settings)


def find_round(start: Path, given: str | Path | None = None) -> Round | None:
    """``given`` (``--round DIR``), else the nearest folder at or above ``start`` that holds
    a round's settings; ``None`` outside a round."""
    if given is not None:
        return open_round(Path(given))
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS).is_file() and (folder / STATE).exists():
            return open_round(folder)
    return None
