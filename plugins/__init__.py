"""Criteria-set plugins shipped with iipeval; each registers via the ``iipeval`` entry-point group."""
