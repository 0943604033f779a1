"""hunan_comprehensive: 湖南省省级综合型工业互联网平台 (3 dimensions, 8 indicators).

Everything about this set is data (``criteria.toml``), including its 否决项 and
consistency checks; this module only hands the file to the host.
"""

from pathlib import Path

from iipeval.plugin import hookimpl

CRITERIA = Path(__file__).with_name("criteria.toml")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)
