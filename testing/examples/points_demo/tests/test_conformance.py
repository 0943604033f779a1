"""示范省评分细则插件的检查（与 ``iipeval plugin check points_demo`` 相同）."""

from iipeval.testing import assert_conformant, registered_frameworks


def test_passes_the_conformance_kit():
    assert_conformant("points_demo")


def test_registers_the_points_set():
    assert registered_frameworks("points_demo") == ["points_demo"]
