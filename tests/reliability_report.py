"""The figures of docs/reliability.md: tests record rows, the session writes them as JSON.

A reliability test calls `record(section, row)` with what it tried and what held. With
`KES_RELIABILITY_REPORT=FILE` in the environment (`make reliability` sets it) the session writes
every recorded row to FILE when it ends, with the setting (`full` or `small`), the date and the
commit; `scripts/reliability.py` renders that file as docs/reliability.md. Without the variable
rows are only kept in memory, and the tests' own assertions decide pass or fail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

REPORT_ENV = "KES_RELIABILITY_REPORT"
_ROWS: dict[str, list[dict[str, Any]]] = {}
_LOCK = threading.Lock()
ROOT = Path(__file__).resolve().parent.parent


def record(section: str, row: dict[str, Any]) -> None:
    with _LOCK:
        _ROWS.setdefault(section, []).append(row)


def rows(section: str) -> list[dict[str, Any]]:
    with _LOCK:
        return list(_ROWS.get(section, []))


def _commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, cwd=ROOT, check=False)
    commit = result.stdout.strip() or "unknown"
    return f"{commit}+changes" if dirty.stdout.strip() else commit


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(REPORT_ENV)
    if not target or not _ROWS:
        return
    document = {
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "setting": "full" if os.environ.get("KES_RELIABILITY") == "full" else "small",
        "exitstatus": int(exitstatus),
        "sections": _ROWS,
    }
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, sort_keys=True, default=str) + "\n")
