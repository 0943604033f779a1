"""iipeval core: the host, the data model and the scoring engine.

Core knows no criteria set. Criteria sets arrive as plugins through the ``iipeval``
entry-point group (see :mod:`iipeval.core.host`); the engine (:mod:`iipeval.core.engine`)
scores an application against whichever set it is handed.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("iipeval")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
    __version__ = "0.0.0"
