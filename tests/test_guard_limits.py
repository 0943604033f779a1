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


def test_the_file_may_be_exactly_the_file_size_limit(workbook):
    size = workbook.stat().st_size
    assert open_package(workbook, GuardLimits(max_file_bytes=size)).path == workbook
    with pytest.raises(Refused) as exc:
        open_package(workbook, GuardLimits(max_file_bytes=size - 1))
    assert exc.value.code == "file_too_large"


def test_a_file_that_grew_after_it_was_measured_is_read_on_up_to_the_cap(tmp_path):
    """What one read of the cap gave: read in the measured size, then on."""
    from iipeval.core.intake.package import _read_capped

    path = tmp_path / "grown.bin"
    path.write_bytes(bytes(range(256)) * 4)
    for measured, cap, expected in [(1024, 2000, 1024), (100, 2000, 1024), (100, 500, 501)]:
        with open(path, "rb") as fh:
            assert _read_capped(fh, measured, cap) == path.read_bytes()[:expected]


def test_a_worker_keeps_its_heap_where_glibc_lets_it(workbook):
    """``steady_heap`` changes no result: the same file reads the same after it."""
    import platform

    from iipeval.core.quiet import steady_heap

    before = read_workbook(workbook, Evaluator())
    tuned = steady_heap()
    assert tuned == (platform.libc_ver()[0] == "glibc")
    after = read_workbook(workbook, Evaluator())
    assert after.submission == before.submission and after.findings == before.findings
