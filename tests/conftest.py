"""Root fixtures and the hook that marks each test by the folder it lives in."""

from __future__ import annotations

from pathlib import Path

import pytest

_LEVELS = {"unit", "replay", "integration", "devcluster", "e2e"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.path)).parts
        level = next((p for p in parts if p in _LEVELS), None)
        if level is not None:
            item.add_marker("integration" if level == "devcluster" else level)
