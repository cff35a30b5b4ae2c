"""One namespace rule for every command, as kubectl's: -n, else the kubeconfig context's, else
default; `kes history` resolves it from the kubeconfig file alone (no API server)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kes import application
from kes.cli import kubecontext, main


def _kubeconfig(path: Path, *, current: str | None, contexts: dict[str, str | None]) -> Path:
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        # Unreachable on purpose: nothing here may contact an API server.
        "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [
            {
                "name": name,
                "context": {"cluster": "c", "user": "u"} | ({"namespace": ns} if ns else {}),
            }
            for name, ns in contexts.items()
        ],
    }
    if current is not None:
        config["current-context"] = current
    path.write_text(yaml.safe_dump(config))
    return path


def test_merged_kubeconfigs_take_the_first_current_context_and_definition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _kubeconfig(tmp_path / "a", current="work", contexts={"other": "x"})
    second = _kubeconfig(tmp_path / "b", current="other", contexts={"work": "team"})
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    assert kubecontext.context_namespace(kubeconfig=None, context=None) == "team"
    assert kubecontext.context_namespace(kubeconfig=None, context="other") == "x"
    assert kubecontext.context_namespace(kubeconfig=str(second), context=None) == "default"


def test_no_kubeconfig_means_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    assert kubecontext.context_namespace(kubeconfig=None, context=None) == "default"


@pytest.fixture
def store(tmp_path: Path) -> str:
    location = str(tmp_path / "store.sqlite3")
    app = application.KesApplication(store=location)
    try:
        for namespace, name in (("team", "nightly"), ("default", "weekly"), ("team", "adhoc")):
            app.accept_actionset(
                name=name, namespace=namespace, uid=f"uid-{name}", spec={}, plan=[]
            )
    finally:
        app.close()
    return location


def _history(store: str, *args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(main.cli, ["history", "actionset", *args, "--store", store], env=env)


def test_history_defaults_to_the_context_namespace_offline(tmp_path: Path, store: str) -> None:
    config = _kubeconfig(tmp_path / "config", current="work", contexts={"work": "team"})
    result = _history(store, "nightly", "--verify", env={"KUBECONFIG": str(config)})
    assert result.exit_code == 0, result.output
    assert "events of team/nightly" in result.output
    # -n and KES_NAMESPACE still win over the context.
    result = _history(store, "weekly", "-n", "default", env={"KUBECONFIG": str(config)})
    assert result.exit_code == 0, result.output
    env = {"KUBECONFIG": str(config), "KES_NAMESPACE": "default"}
    assert _history(store, "weekly", env=env).exit_code == 0


def test_history_without_a_kubeconfig_uses_default(tmp_path: Path, store: str) -> None:
    env = {"KUBECONFIG": str(tmp_path / "absent")}
    assert _history(store, "weekly", "--verify", env=env).exit_code == 0
    result = _history(store, "nightly", env=env)
    assert result.exit_code == 1
    assert 'No ActionSet "nightly" in namespace "default"' in result.output


def test_history_lists_the_namespace_or_every_namespace(tmp_path: Path, store: str) -> None:
    config = _kubeconfig(tmp_path / "config", current="work", contexts={"work": "team"})
    env = {"KUBECONFIG": str(config)}
    listed = _history(store, env=env)
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["NAME", "STATE", "CREATED"]
    assert [line.split()[:2] for line in lines[1:]] == [
        ["adhoc", "pending"],
        ["nightly", "pending"],
    ]
    everywhere = _history(store, "-A", env=env).stdout.splitlines()
    assert everywhere[0].split() == ["NAMESPACE", "NAME", "STATE", "CREATED"]
    assert [line.split()[:2] for line in everywhere[1:]] == [
        ["default", "weekly"],
        ["team", "adhoc"],
        ["team", "nightly"],
    ]


def test_history_refuses_a_name_across_all_namespaces(store: str) -> None:
    result = _history(store, "nightly", "-A")
    assert result.exit_code == 2
    assert "a resource cannot be retrieved by name across all namespaces" in result.output
