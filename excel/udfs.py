"""Issued workbooks name ``iipeval.excel.udfs`` as their UDF module; the functions live in the add-in."""

from iipeval.addin.udfs import *  # noqa: F403
