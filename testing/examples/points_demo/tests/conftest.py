"""This plugin's tests need it installed (``python -m pip install -e .``).

iipeval's own test suite carries this folder as an example of a province's plugin and
installs it into a separate folder for its tests; where the plugin is not installed,
these tests are not collected.
"""

from iipeval.testing import installed_plugins

collect_ignore_glob = [] if "points_demo" in installed_plugins() else ["test_*.py"]
