"""The points-style example (testing/examples/points_demo) and its hand-computed applicants.

Each applicant's figures come with the points the printed table gives them, worked out
by hand from the table (see the comments), never by running the engine.
"""

from __future__ import annotations

import sys
from pathlib import Path

from support import code_for

from iipeval.core.api import Evaluator
from iipeval.core.host import Host
from iipeval.core.model.application import Application, ExpertReview

HOME = Path(__file__).resolve().parents[1] / "testing" / "examples" / "points_demo"


def points_module():
    if str(HOME) not in sys.path:
        sys.path.insert(0, str(HOME))
    import iipeval_points_demo

    return iipeval_points_demo


def points_host() -> Host:
    return Host(entry_points=False, plugins=[("points_demo", points_module())])


def points_evaluator(params=None) -> Evaluator:
    """The hand-computed applicants below have three experts' scores spread evenly about
    their middle one (13, 14, 15), so the mean, the median and the round's trimmed mean
    agree: their totals hold under any panel rule."""
    return Evaluator(points_host(), params)


BASE = {
    "devices_operating": 0,
    "devices_processing": 0,
    "devices_mobile": 0,
    "devices_other": 0,
    "models_rd_simulation": 0,
    "models_business_process": 0,
    "models_industry_mechanism": 0,
    "models_data_algorithm": 0,
    "security_data": False,
    "security_code": False,
    "security_application": False,
    "security_access": False,
    "enterprises_manufacturing": 0,
    "sme_served": 0,
    "patents_invention": 0,
    "rd_spend": 0,
    "main_revenue": 10000,
    "standards_national_led": 0,
    "standards_industry_led": 0,
    "national_demo": False,
    "security_incidents": 0,
    "credit_record": False,
    "major_safety_incident": False,
}

#: name → (figures, expert entries for 技术先进性, expected points per indicator,
#: bonus, deduction, total)
APPLICANTS = {
    # every cap: each indicator at its points, bonus items and part capped, deductions too
    "（示例）满格科技": (
        {
            "devices_operating": 8000,
            "devices_processing": 4000,  # 12000 ≥ 10000 → 20
            "models_rd_simulation": 300,
            "models_data_algorithm": 300,  # 600 → 12 units → cap 10
            "security_data": True,
            "security_code": True,
            "security_application": True,
            "security_access": True,  # 4+3+3+2 = 12 → cap 10
            "enterprises_manufacturing": 1500,
            "sme_served": 2000,  # 1500 + 1000 = 2500 → 25 → cap 15
            "patents_invention": 30,  # 30 → cap 15
            "rd_spend": 600,  # 6% ≥ 5% → 100 of 10 → 10
            "standards_national_led": 2,
            "standards_industry_led": 1,  # 3 × 2 = 6 → cap 4
            "national_demo": True,  # 3; bonus 4 + 3 = 7 → part cap 5
            "security_incidents": 3,  # 15 → cap 10
            "credit_record": True,  # 3; deduction 10 + 3 = 13 → part cap 10
        },
        [20, 19, "好"],  # 好 = 18 (middle of 16–20): 18, 19, 20 → 19 under any panel rule
        {
            "devices": 20,
            "models": 10,
            "safety": 10,
            "enterprises": 15,
            "patents": 15,
            "rd": 10,
        },
        5,
        10,
        None,  # total depends on the expert part; asserted in the test
    ),
    "（示例）中游平台": (
        {
            "devices_operating": 3000,
            "devices_processing": 2500,  # 5500 → "5000–9999" → 14
            "models_rd_simulation": 60,
            "models_business_process": 40,
            "models_industry_mechanism": 20,
            "models_data_algorithm": 29,  # 149 → 2 whole units of 50 → 2 (not 2.98)
            "security_data": True,
            "security_application": True,  # 4 + 3 = 7
            "enterprises_manufacturing": 420,
            "sme_served": 300,  # 420 + 150 = 570 → 5 units → 5
            "patents_invention": 9,  # 9
            "rd_spend": 300,  # 3% of 5% → 60 of 10 → 6
            "standards_national_led": 1,  # 2
            "security_incidents": 1,  # 5
        },
        [15, 14, "较好"],  # 较好 = 13: 13, 14, 15 → 14 under any panel rule
        {
            "devices": 14,
            "models": 2,
            "safety": 7,
            "advanced": 14,
            "enterprises": 5,
            "patents": 9,
            "rd": 6,
        },
        2,
        5,
        54,  # 57 + 2 − 5
    ),
    "（示例）起步工场": (
        {
            "devices_operating": 800,  # < 1000 → 0
            "models_rd_simulation": 49,  # 0 whole units → 0
            "enterprises_manufacturing": 50,  # 0
            "patents_invention": 2,  # 2
            "security_incidents": 2,  # 10
            "credit_record": True,  # 3 → 13 → part cap 10
        },
        [6, 5, "差", 3, 1],  # 差 = 2.5; five experts: drop 6 and 1 → (5+2.5+3)/3 = 3.5
        {
            "devices": 0,
            "models": 0,
            "safety": 0,
            "advanced": 3.5,
            "enterprises": 0,
            "patents": 2,
            "rd": 0,
        },
        0,
        10,
        0,  # 5.5 + 0 − 10 = −4.5 → the set's floor, 0
    ),
}


def application(name: str, **extra) -> Application:
    figures = {**BASE, **APPLICANTS[name][0], **extra}
    applicant = {"name": name, "credit_code": code_for(name)}
    return Application(framework="points_demo", applicant=applicant, items=figures)


def reviews(name: str) -> list[ExpertReview]:
    entries = APPLICANTS[name][1]
    return [
        ExpertReview(expert=f"专家{k + 1}", scores={"advanced": v}) for k, v in enumerate(entries)
    ]
