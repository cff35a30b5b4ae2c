"""Root fixtures and the hook that marks each test by the folder it lives in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from devcluster_harness import DevCluster, start_devcluster, stop_devcluster
from s3_harness import S3Server, start_moto, stop_moto

pytest_plugins = ["toolcheck", "reliability_report"]

_LEVELS = {"unit", "replay", "integration", "devcluster", "e2e", "chaos", "fuzz"}


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


# --- the event store, over SQLite and PostgreSQL (started by `make test`) ---------------------


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty event store location (a KES_STORE value), on each backend."""
    if request.param == "sqlite":
        yield str(tmp_path / "store.sqlite3")
        return
    import uuid

    import toolcheck  # registered as a plugin above, so imported only once pytest has it

    toolcheck.require(request, "postgres")

    import psycopg

    schema = f"kes_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(toolcheck.POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{toolcheck.POSTGRES_URL}?schema={schema}"
    finally:
        with psycopg.connect(toolcheck.POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


# --- a real S3 API (moto's server on 127.0.0.1) -----------------------------------------------


@pytest.fixture(scope="session")
def moto_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_moto(tmp_path_factory.mktemp("moto"))
    try:
        yield server
    finally:
        stop_moto(server)
