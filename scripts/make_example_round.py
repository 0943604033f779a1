"""Rebuild the bundled example round: the panel's signed forms, filled by its five experts.

The example applications (``examples/applications``) go to the fictional panel of
``examples/panel.toml`` exactly as an organiser would send them out (``iipeval panel
--forms json``); each expert's form is then filled with the scores below and saved into
``examples/reviews``. The round's record (``examples/panel-record.json``) is written apart
from the forms, as ``panel --record`` requires. It holds the round's key: in a real round
it never leaves the organiser, readable by them alone; here it is committed so that anyone
can verify the example (git checks it out readable by all, so the README's set-up command
makes it private first: ``chmod 600 examples/panel-record.json``).

    python scripts/make_example_round.py      # rewrites examples/reviews/ and the record
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

#: application file → expert → part → score (0-100 or a grade), all fictional
SCORES = {
    "hunan_characteristic": {
        "E01": {
            "innovation.expert": 76,
            "sme_service.expert": 80,
            "industries.expert": 72,
            "regions.expert": 86,
        },
        "E02": {
            "innovation.expert": 72,
            "sme_service.expert": 78,
            "industries.expert": "一般",
            "regions.expert": 88,
        },
        "E03": {
            "innovation.expert": 80,
            "sme_service.expert": 83,
            "industries.expert": 75,
            "regions.expert": "优秀",
        },
        "E04": {
            "innovation.expert": 74,
            "sme_service.expert": 76,
            "industries.expert": 70,
            "regions.expert": 84,
        },
        "E05": {
            "innovation.expert": 78,
            "sme_service.expert": 81,
            "industries.expert": 74,
            "regions.expert": 90,
        },
    },
    "hunan_comprehensive": {
        "E01": {
            "innovation.expert": 82,
            "sme_service.expert": 78,
            "industries.expert": 85,
            "parks.expert": 76,
        },
        "E02": {
            "innovation.expert": 88,
            "sme_service.expert": 80,
            "industries.expert": 83,
            "parks.expert": "良好",
        },
        "E03": {
            "innovation.expert": 79,
            "sme_service.expert": 74,
            "industries.expert": 80,
            "parks.expert": 72,
        },
        "E04": {
            "innovation.expert": "良好",
            "sme_service.expert": 77,
            "industries.expert": 86,
            "parks.expert": 79,
        },
        "E05": {
            "innovation.expert": 85,
            "sme_service.expert": 70,
            "industries.expert": 81,
            "parks.expert": 74,
        },
    },
    "hunan_professional": {
        "E01": {"innovation.expert": 80, "transformation.expert": 86},
        "E02": {"innovation.expert": 76, "transformation.expert": "优秀"},
        "E03": {"innovation.expert": 83, "transformation.expert": 84},
        "E04": {"innovation.expert": "良好", "transformation.expert": 80},
        "E05": {"innovation.expert": 78, "transformation.expert": 88},
    },
    "national_2023": {
        "E01": {
            "innovation.capability": 88,
            "security.reliability": 85,
            "killer_apps.innovation": 80,
            "solutions.quality": 90,
            "parks.effect": 78,
            "industries.depth": 86,
            "sme.products": 82,
            "international.competitiveness": 72,
            "growth.role": 84,
            "chains_carbon.support": 80,
            "economic_analysis.quality": 76,
            "ecosystem.operation": 83,
        },
        "E02": {
            "innovation.capability": 84,
            "security.reliability": 82,
            "killer_apps.innovation": 76,
            "solutions.quality": 86,
            "parks.effect": 74,
            "industries.depth": 80,
            "sme.products": 78,
            "international.competitiveness": 68,
            "growth.role": 80,
            "chains_carbon.support": "良好",
            "economic_analysis.quality": 72,
            "ecosystem.operation": 79,
        },
        "E03": {
            "innovation.capability": 91,
            "security.reliability": 88,
            "killer_apps.innovation": 85,
            "solutions.quality": 92,
            "parks.effect": 82,
            "industries.depth": 88,
            "sme.products": 85,
            "international.competitiveness": 76,
            "growth.role": 87,
            "chains_carbon.support": 84,
            "economic_analysis.quality": 80,
            "ecosystem.operation": 86,
        },
        "E04": {
            "innovation.capability": 80,
            "security.reliability": 78,
            "killer_apps.innovation": 72,
            "solutions.quality": 83,
            "parks.effect": 70,
            "industries.depth": 79,
            "sme.products": 75,
            "international.competitiveness": 62,
            "growth.role": 76,
            "chains_carbon.support": 73,
            "economic_analysis.quality": 66,
            "ecosystem.operation": 75,
        },
        "E05": {
            "innovation.capability": 86,
            "security.reliability": 84,
            "killer_apps.innovation": 79,
            "solutions.quality": 88,
            "parks.effect": 77,
            "industries.depth": 84,
            "sme.products": 80,
            "international.competitiveness": 70,
            "growth.role": 82,
            "chains_carbon.support": 79,
            "economic_analysis.quality": 74,
            "ecosystem.operation": 81,
        },
    },
}


def main() -> None:
    reviews = EXAMPLES / "reviews"
    record = EXAMPLES / "panel-record.json"
    shutil.rmtree(reviews, ignore_errors=True)
    record.unlink(missing_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "iipeval.cli",
            "panel",
            str(EXAMPLES / "applications"),
            "--panel",
            str(EXAMPLES / "panel.toml"),
            "-o",
            str(reviews),
            "--record",
            str(record),
            "--forms",
            "json",
        ],
        check=True,
    )
    keys = {}
    for app in (EXAMPLES / "applications").glob("*.json"):
        data = json.loads(app.read_text("utf-8"))["application"]
        keys[data["applicant"]["credit_code"]] = app.stem
    for form_path in sorted(reviews.glob("review_*.json")):
        form = json.loads(form_path.read_text("utf-8"))
        for review in form["reviews"]:
            review["scores"] = SCORES[keys[review["application"]]][form["expert"]]
        form_path.write_text(json.dumps(form, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"example round written to {reviews}")


if __name__ == "__main__":
    main()
