"""The hooks a criteria-set plugin implements.

Every hook is a ``register_*`` hook: the host passes its own ``register`` callback and the
plugin calls it once per contribution. That keeps the contract small and lets the host
attribute every contribution (and every mistake) to the plugin that made it.

Hooks are called through pluggy: ``@hookimpl(tryfirst=True)``, ``trylast`` and
``wrapper=True`` behave as pluggy documents; plain implementations run in load order (the
core's own first). Plugins import ``hookimpl`` and everything else from
:mod:`iipeval.plugin`.
"""

from __future__ import annotations

import pluggy

PROJECT = "iipeval"
ENTRY_POINT_GROUP = "iipeval"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_frameworks(register):
    """Contribute criteria sets (评价体系).

    Call ``register(framework)`` with a :class:`iipeval.core.model.criteria.Framework`, a dict
    of its data, or a path to its TOML file. The host validates it on the spot: unique
    ids, weights that add up as declared, a rule on every indicator, rules that only read
    data items that exist.
    """


@hookspec
def register_rule_types(register):
    """Contribute scoring rule types.

    Call ``register(cls)`` with a subclass of :class:`iipeval.core.rules.Rule` whose
    ``type_name`` is unique. Criteria sets then use it as ``type = "<type_name>"``.
    """


@hookspec
def register_validators(register):
    """Contribute checks on an application beyond each item's own type and bounds.

    Call ``register(framework_id, check, *, items, code, description)``. ``check`` receives
    an :class:`iipeval.core.scoring.validation.ApplicationView` and yields
    :class:`iipeval.core.findings.Finding` objects. ``items`` lists the data items it reads;
    the host rejects a validator that names an item the criteria set does not have.
    ``framework_id`` may be ``"*"`` to apply to every set that has all of ``items``.
    """


@hookspec
def register_exclusions(register):
    """Contribute exclusion rules (否决项) that need code rather than data.

    Call ``register(framework_id, check, *, id, name, rationale, items)``. ``check``
    receives an :class:`iipeval.core.scoring.validation.ApplicationView` and returns a reason (a
    Chinese sentence) when the application must not be recommended, else ``None``.
    Simple item-based exclusions belong in the criteria set's data instead.
    """
