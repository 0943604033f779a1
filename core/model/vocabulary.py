"""The shared vocabulary of platform data items, read once from ``vocabulary.toml``."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import tomli as tomllib  # as core.errors: the compiled build of the stdlib's parser

from iipeval.core.model.criteria import DataItem


@cache
def vocabulary() -> dict[str, DataItem]:
    """All shared data items by id. Criteria sets reference these instead of redefining."""
    data = tomllib.loads(files(__package__).joinpath("vocabulary.toml").read_text("utf-8"))
    return {raw["id"]: DataItem.model_validate(raw) for raw in data["items"]}
