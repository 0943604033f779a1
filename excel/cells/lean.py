"""openpyxl loaded without numpy, for a command that never hands it a numpy number.

openpyxl imports numpy, when it is installed, only so that a cell accepts numpy's number
types (``openpyxl.compat.numbers``); numpy takes longer to import than openpyxl itself
(0.09 s of CPU). ``iipeval panel`` writes plain ``int``/``float``/``str`` cells and uses no
numpy, so it loads openpyxl this way. numpy stays importable afterwards; only this
process's openpyxl keeps refusing numpy's integer types (its floats are ``float``s).
"""

from __future__ import annotations

import sys


def load_openpyxl() -> None:
    """Import openpyxl, without numpy unless either is loaded already."""
    if "openpyxl" in sys.modules or "numpy" in sys.modules:
        return
    sys.modules["numpy"] = None  # type: ignore[assignment]  # "import numpy" fails here
    try:
        import openpyxl  # noqa: F401
    finally:
        if sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]
