"""iipeval core: the host, the data model and the scoring engine.

Core knows no criteria set. Criteria sets arrive as plugins through the ``iipeval``
entry-point group (see :mod:`iipeval.core.host`); the engine (:mod:`iipeval.core.scoring.engine`)
scores an application against whichever set it is handed.
"""


def __getattr__(name: str) -> str:
    """``__version__``, read from the package metadata when first asked for: importlib.metadata
    costs more than the rest of a small command's start-up."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("iipeval")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        value = "0.0.0"
    globals()["__version__"] = value
    return value
