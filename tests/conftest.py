"""Root fixtures and the hook that marks each test by the folder it lives in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devcluster_harness import DevCluster, start_devcluster, stop_devcluster

_LEVELS = {"unit", "replay", "integration", "devcluster", "e2e"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.path)).parts
        level = next((p for p in parts if p in _LEVELS), None)
        if level is not None:
            item.add_marker("integration" if level == "devcluster" else level)


@pytest.fixture(scope="session")
def devcluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevCluster]:
    cluster = start_devcluster(tmp_path_factory.mktemp("devcluster"))
    try:
        yield cluster
    finally:
        stop_devcluster(cluster)


# --- the event store, over SQLite and (where it runs) PostgreSQL -------------------------------

_PG_HOST, _PG_PORT = "127.0.0.1", 5432
_PG_URL = f"postgresql://postgres@{_PG_HOST}:{_PG_PORT}/test"


def _postgres_reachable() -> bool:
    import socket

    try:
        with socket.create_connection((_PG_HOST, _PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty event store location (a KES_STORE value), on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.sqlite3")
        return
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {_PG_HOST}:{_PG_PORT}")
    import uuid

    import psycopg

    schema = f"kes_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_PG_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{_PG_URL}?schema={schema}"
    finally:
        with psycopg.connect(_PG_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
