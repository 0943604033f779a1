"""Issued workbooks' buttons run ``iipeval.excel.macros``; the macros live in the add-in."""

from iipeval.addin.macros import *  # noqa: F403
