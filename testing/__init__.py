"""Conformance kit for criteria-set plugins (usable from pytest and ``iipeval plugin check``)."""
