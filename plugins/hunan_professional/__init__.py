"""hunan_professional: 湖南省省级专业型工业互联网平台 (enterprise-level; 3 dimensions, 6 indicators).

Everything about this set is data (``criteria.toml``), including its 否决项 and
consistency checks; this module only hands the file to the host.
"""

from pathlib import Path

from iipeval.plugin import hookimpl

CRITERIA = Path(__file__).with_name("criteria.toml")


@hookimpl
def register_frameworks(register):
    register(CRITERIA)
