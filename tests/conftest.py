import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))

# Property tests: a modest run in CI, a long one on demand:
#   HYPOTHESIS_PROFILE=thorough bash scripts/test -k fuzz
settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The example round's record is committed, and git checks it out readable by everyone;
# every command refuses such a record, so the suite makes it private first, as the
# README's set-up command does (git does not track the change).
_EXAMPLE_RECORD = Path(__file__).resolve().parents[1] / "examples" / "panel-record.json"
if _EXAMPLE_RECORD.exists():
    _EXAMPLE_RECORD.chmod(0o600)
