"""Test helpers: build hosts around small criteria sets without installing anything."""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import SimpleNamespace

from iipeval.core.api import Evaluator
from iipeval.core.hookspecs import hookimpl
from iipeval.core.host import Host
from iipeval.core.model.application import Application, ExpertReview

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"


def mini_data() -> dict:
    return tomllib.loads((FIXTURES / "mini.toml").read_text("utf-8"))


def plugin(**hooks) -> SimpleNamespace:
    """A plugin object whose hooks are the given functions (marked as hookimpls)."""
    return SimpleNamespace(**{name: hookimpl(fn) for name, fn in hooks.items()})


def framework_plugin(*frameworks) -> SimpleNamespace:
    def register_frameworks(register):
        for fw in frameworks:
            register(fw)

    return plugin(register_frameworks=register_frameworks)


def mini_host(*extra) -> Host:
    return Host(
        entry_points=False, plugins=[("mini_plugin", framework_plugin(mini_data())), *extra]
    )


def mini_evaluator(params=None) -> Evaluator:
    return Evaluator(mini_host(), params)


FULL = {
    "devices_operating": 60,
    "devices_processing": 40,
    "devices_mobile": 0,
    "devices_other": 0,
    "developers_registered": 100,
    "developers_active": 20,
    "financing": 1000,
    "major_safety_incident": False,
}


def code_for(text: str) -> str:
    """A valid 统一社会信用代码 made from ``text`` (the same text, the same code): a blank
    code is an error, so every test applicant has one."""
    import hashlib

    from iipeval.core.scoring.validation import credit_code_check_char

    first17 = f"91430100MA{int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10**7:07d}"
    return first17 + credit_code_check_char(first17)


def application(**items) -> Application:
    return Application(
        framework="mini",
        applicant={"name": "测试单位", "credit_code": code_for("测试单位")},
        items={**FULL, **items},
    )


def reviews(*scores, part="tech.judged") -> list[ExpertReview]:
    return [ExpertReview(expert=f"专家{k + 1:02d}", scores={part: s}) for k, s in enumerate(scores)]


EXAMPLE_APPS = REPO / "examples" / "applications"
EXAMPLE_ROUND = REPO / "examples" / "reviews"
#: the example round's record, kept apart from its forms (private: tests/conftest.py)
EXAMPLE_RECORD = REPO / "examples" / "panel-record.json"


def private_record(folder: Path) -> Path:
    """The example round's record copied where an organiser keeps one: apart from the
    forms, private (a test that issues 核查表 writes the round's ledger beside it)."""
    import shutil

    private = folder / "私密"
    private.mkdir(mode=0o700, exist_ok=True)
    record = private / "panel-record.json"
    shutil.copy(EXAMPLE_RECORD, record)
    record.chmod(0o600)
    return record


def example_reviews(app: Application) -> list[ExpertReview]:
    """The example round's expert scores for ``app`` (read from its signed JSON forms)."""
    from iipeval.core.panel.bundle import application_key
    from iipeval.core.round.batch import normal_key
    from iipeval.excel.review.reader import read_review_json

    key = normal_key(application_key(app))
    return [
        r
        for path in sorted(EXAMPLE_ROUND.glob("review_*.json"))
        for r in read_review_json(path).reviews
        if normal_key(r.application) == key
    ]
