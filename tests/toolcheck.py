"""The real tools some tests need (PostgreSQL, restic, kopia, …): checked, enforced in CI, counted.

A test says what it needs with `@pytest.mark.tools("restic", "postgres")` (or a module's
`pytestmark`), or, when only some parameters need a tool, by calling `require(request, "postgres")`
from a fixture. A missing tool skips the test with a reason on a developer's machine; with
`CI=true` it fails the test instead, so a CI run cannot pass by skipping what it was meant to
prove. `make test` installs every tool (Makefile: `tools`, `postgres`, `debs`).

The terminal summary ends with one line per tool (how many tests needed it, and how they ended),
which `.ci/run` repeats at the end of its output.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
from collections import Counter
from urllib.parse import urlsplit

import pytest

POSTGRES_URL = os.environ.get("KES_TEST_POSTGRES_URL", "postgresql://kes:kes@127.0.0.1:5432/test")
SUMMARY_PREFIX = "tool-backed tests:"

_NEEDED_BY: dict[str, set[str]] = {}  # nodeid → tools
_OUTCOMES: dict[str, Counter[str]] = {}  # tool → outcome → count


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def postgres_reachable(url: str = POSTGRES_URL) -> bool:
    parts = urlsplit(url)
    address = (parts.hostname or "127.0.0.1", parts.port or 5432)
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def postgres_server_bin() -> str | None:
    """The newest Debian PostgreSQL server's bin directory, when it and its user exist."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0)
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return os.path.dirname(found[-1]) if found else None


MARIADB_SERVER = "/usr/sbin/mariadbd"
MARIADB_PROGRAMS = ("mariadb-install-db", "mariadb", "mariadb-dump")


def mariadb_server_ready() -> bool:
    """Debian's MariaDB server (its `mysql` user too) and clients, as examples/mariadb runs them."""
    try:
        pwd.getpwnam("mysql")
    except KeyError:
        return False
    return os.access(MARIADB_SERVER, os.X_OK) and all(
        shutil.which(program) is not None for program in MARIADB_PROGRAMS)


def problem(tool: str) -> str | None:
    """Why `tool` cannot be used here, or None when it can."""
    if tool == "mariadb-server":
        if mariadb_server_ready():
            return None
        return (f"Debian's MariaDB server ({MARIADB_SERVER}, its `mysql` user) and "
                f"{', '.join(MARIADB_PROGRAMS)} are not installed (`make mariadb` installs them)")
    if tool == "postgres-server":
        if postgres_server_bin() is not None and shutil.which("psql") is not None:
            return None
        return ("Debian's PostgreSQL server (/usr/lib/postgresql/*/bin/postgres, its `postgres` "
                "user) and psql are not installed (`make postgres` installs them)")
    if tool == "postgres":
        if postgres_reachable():
            return None
        return (f"PostgreSQL is not reachable at {urlsplit(POSTGRES_URL).netloc.split('@')[-1]}"
                " (`make postgres` starts it)")
    if shutil.which(tool) is None:
        return f"{tool} is not on PATH (`make tools` or `make debs` installs it)"
    return None


def require(request: pytest.FixtureRequest, *tools: str) -> None:
    """Enforce `tools` for the requesting test from inside a fixture (counted like the marker)."""
    _enforce(request.node.nodeid, tools)


def _enforce(nodeid: str, tools: tuple[str, ...] | list[str]) -> None:
    _NEEDED_BY.setdefault(nodeid, set()).update(tools)
    for tool in tools:
        reason = problem(tool)
        if reason is None:
            continue
        if in_ci():
            pytest.fail(f"{reason}; with CI=true a missing tool fails the test.", pytrace=False)
        pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "tools(*names): real tools the test needs (postgres, postgres-server, "
        "mariadb-server or a program on PATH)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    tools = [name for marker in item.iter_markers("tools") for name in marker.args]
    if tools:
        _enforce(item.nodeid, tools)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    tools = _NEEDED_BY.get(report.nodeid)
    if not tools:
        return
    outcome = None
    if report.when == "call" or (report.when == "setup" and not report.passed):
        outcome = report.outcome
    if outcome is None:
        return
    for tool in tools:
        _OUTCOMES.setdefault(tool, Counter())[outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _OUTCOMES:
        terminalreporter.write_line(f"{SUMMARY_PREFIX} none ran")
        return
    parts = []
    for tool in sorted(_OUTCOMES):
        counts = _OUTCOMES[tool]
        parts.append(f"{tool} {sum(counts.values())} "
                     f"({counts['passed']} passed, {counts['failed']} failed, "
                     f"{counts['skipped']} skipped)")
    terminalreporter.write_line(f"{SUMMARY_PREFIX} " + "; ".join(parts))
