"""Root fixtures and the hook that marks each test by the folder it lives in.

Engines: a test that uses the `devcluster` fixture runs on the engines its `engines` marker
names (default: the kes stand-in; tests/e2e: both), among those `--engine` selects
(kes | kubernetes | both, default both). The engine is a session-scoped parameter, so one
cluster per engine serves the whole session, and pytest runs every test of one engine before
starting the other. On the kubernetes engine the test needs the control plane's programs
(`make tools`), enforced like any tool: skipped on a laptop without them, failed in CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from devcluster_harness import (
    CONTROL_PLANE,
    ENGINES,
    DevCluster,
    start_devcluster,
    stop_devcluster,
)
from s3_harness import S3Server, start_moto, stop_moto

pytest_plugins = ["toolcheck", "reliability_report"]

_LEVELS = {"unit", "replay", "integration", "devcluster", "e2e", "chaos", "fuzz"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--engine", choices=("kes", "kubernetes", "both"), default="both",
        help="the local cluster engine(s) for tests that run on several (default: both)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "engines(*names): local cluster engines the test runs on (kes, kubernetes)")


def _engines_of(definition: pytest.Item | Any) -> tuple[str, ...]:
    marker = definition.get_closest_marker("engines")
    if marker is not None:
        return tuple(marker.args)
    return ENGINES if "e2e" in Path(str(definition.path)).parts else ("kes",)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("engine")
    engines = [e for e in _engines_of(metafunc.definition) if chosen in (e, "both")]
    params = [pytest.param(e, id=e) for e in engines] or [pytest.param(
        "none", id="no-engine", marks=pytest.mark.skip(reason=f"not run with --engine {chosen}"))]
    metafunc.parametrize("engine", params, indirect=True, scope="session")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.path)).parts
        level = next((p for p in parts if p in _LEVELS), None)
        if level is not None:
            item.add_marker("integration" if level == "devcluster" else level)
        callspec = getattr(item, "callspec", None)
        engines = {callspec.params.get(k) for k in ("engine", "admission_cluster")} if (
            callspec is not None) else set()
        if "kubernetes" in engines:
            item.add_marker(pytest.mark.tools(*CONTROL_PLANE))


@pytest.fixture(scope="session")
def engine(request: pytest.FixtureRequest) -> str:
    """The local cluster engine of this test (a session-scoped parameter)."""
    return str(getattr(request, "param", "kes"))


@pytest.fixture(scope="session")
def devcluster(
    engine: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DevCluster]:
    cluster = start_devcluster(tmp_path_factory.mktemp(f"devcluster-{engine}"), engine=engine)
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
