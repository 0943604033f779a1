"""national_2023: the MIIT 2023 双跨平台 criteria set (5 dimensions, 21 indicators).

The criteria are data (``criteria.toml``); this module only hands them to the host and
adds the checks that need code.
"""

from pathlib import Path

from iipeval.core.hookspecs import hookimpl

CRITERIA = Path(__file__).with_name("criteria.toml")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)
