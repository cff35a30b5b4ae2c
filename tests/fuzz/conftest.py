"""The fuzz suites' hypothesis profiles: a few hundred examples under `make test`, 10,000 under
`make reliability` (KES_RELIABILITY=full), no deadline (the machine is shared). The strategies of
tests/unit/domain (documents drawn from the CRD schemas, templates) are reused, not copied.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

_UNIT = Path(__file__).resolve().parent.parent / "unit" / "domain"
for folder in (_UNIT, _UNIT / "templates"):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))

FULL = os.environ.get("KES_RELIABILITY", "").strip().lower() == "full"
settings.register_profile("kes-fuzz-small", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# KES_FUZZ_EXAMPLES: another count for the full setting (a loaded machine, a quick look).
FULL_EXAMPLES = int(os.environ.get("KES_FUZZ_EXAMPLES", "10000"))
settings.register_profile("kes-fuzz-full", max_examples=FULL_EXAMPLES, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kes-fuzz-full" if FULL else "kes-fuzz-small")
