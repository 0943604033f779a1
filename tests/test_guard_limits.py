"""The guard's size limits hold exactly where they are set: the largest part, and all parts.

Each limit is a parameter (``[input]``); a file right at it is read, one byte over it is
refused with the limit's own code, whether the guard checks the whole file or the reader
opens it (one package, each part checked as it is inflated).
"""

from __future__ import annotations

import zipfile

import pytest
from workbook_helpers import filled_workbook

from iipeval.core.api import Evaluator
from iipeval.core.intake.guard import GuardLimits, guard
from iipeval.core.intake.package import Refused, open_package
from iipeval.excel.application.reader import read_workbook


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    return filled_workbook(tmp_path_factory.mktemp("limits"), "hunan_professional")


def sizes(path) -> list[int]:
    with zipfile.ZipFile(path) as zf:
        return [i.file_size for i in zf.infolist()]


def verdicts(path, limits: GuardLimits) -> set[str | None]:
    """The code the guard gives, and the one the reader's package gives."""
    try:
        open_package(path, limits)
        opened = None
    except Refused as exc:
        opened = exc.code
    return {guard(path, limits).code, opened}


def test_the_largest_part_may_be_exactly_the_per_part_limit(workbook):
    largest = max(sizes(workbook))
    assert verdicts(workbook, GuardLimits(max_member_bytes=largest)) == {None}
    assert verdicts(workbook, GuardLimits(max_member_bytes=largest - 1)) == {"part_too_large"}


def test_all_parts_together_may_be_exactly_the_total_limit(workbook):
    total = sum(sizes(workbook))
    assert verdicts(workbook, GuardLimits(max_total_bytes=total)) == {None}
    assert verdicts(workbook, GuardLimits(max_total_bytes=total - 1)) == {"too_large_unpacked"}


def test_a_file_over_a_limit_is_refused_by_the_reader_with_the_limits_words(workbook):
    ev = Evaluator(
        params=Evaluator().params.model_copy(update={"input": GuardLimits(max_total_bytes=1000)})
    )
    loaded = read_workbook(workbook, ev)
    assert loaded.submission is None
    [finding] = loaded.findings
    assert finding.code == "too_large_unpacked" and "解压后总大小超过上限" in finding.message
