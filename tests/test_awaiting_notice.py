"""A round before the panel sits: one notice says which parts wait for the experts, not one
per application (thousands of identical rows in the 问题清单, held in memory until then)."""

from __future__ import annotations

from support import application, mini_evaluator

from iipeval.core.api import Loaded
from iipeval.core.model.application import Submission
from iipeval.core.round.batch import score_batch


def awaiting(n: int):
    ev = mini_evaluator()
    loaded = []
    for k in range(n):
        app = application(devices_operating=100 + k)
        app = app.model_copy(
            update={"applicant": app.applicant.model_copy(update={"name": f"甲{k}"})}
        )
        loaded.append(Loaded(f"{k}.json", Submission(application=app)))
    batch = score_batch(ev, loaded)
    return [f for f in batch.findings if f.code == "awaiting_reviews"]


def test_many_applications_waiting_for_the_same_parts_get_one_notice():
    [notice] = awaiting(3)
    assert notice.message.startswith("3份申报尚无专家评分的指标：")
    assert "待定" in notice.message and notice.file is None


def test_one_application_waiting_is_named():
    [notice] = awaiting(1)
    assert notice.message.startswith("“甲0”尚无专家评分的指标：") and notice.file == "0.json"
