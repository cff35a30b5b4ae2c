"""`kes actionset create --dry-run --skip-validation` needs no cluster: flags in, YAML out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from kes.cli import actionset_kube, main


def _kubeconfig(tmp_path: Path, *, namespace: str | None) -> Path:
    context: dict[str, Any] = {"cluster": "c", "user": "u"}
    if namespace:
        context["namespace"] = namespace
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "here",
        # Port 9 (discard) on loopback: a dry run must never connect.
        "clusters": [{"name": "c", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "u", "user": {"token": "t"}}],
        "contexts": [{"name": "here", "context": context},
                     {"name": "other", "context": {"cluster": "c", "user": "u",
                                                   "namespace": "elsewhere"}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def _create(kubeconfig: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main.cli,
        ["actionset", "create", "--kubeconfig", str(kubeconfig), "--dry-run",
         "--skip-validation", *args],
    )


def test_the_namespace_defaults_to_the_contexts(tmp_path: Path) -> None:
    result = _create(_kubeconfig(tmp_path, namespace="team"), "-a", "backup", "-b", "bp",
                     "-T", "app", "-p", "s3")
    assert result.exit_code == 0, result.output
    doc = yaml.safe_load(result.stdout)
    assert doc["metadata"]["namespace"] == "team"
    assert doc["spec"]["actions"][0]["profile"]["namespace"] == "team"


@pytest.mark.parametrize(("namespace", "context", "expected"),
                         [(None, None, "default"), ("team", "other", "elsewhere")])
def test_context_namespace_rules(
    tmp_path: Path, namespace: str | None, context: str | None, expected: str
) -> None:
    path = _kubeconfig(tmp_path, namespace=namespace)
    assert actionset_kube.context_namespace(kubeconfig=str(path), context=context) == expected


def test_dry_run_yaml_has_sorted_keys_and_full_object_references(tmp_path: Path) -> None:
    result = _create(_kubeconfig(tmp_path, namespace=None), "-n", "ns", "-a", "backup",
                     "-b", "bp", "-d", "ns/web", "-A", "fixed")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == ["apiVersion: cr.kanister.io/v1alpha1",
                                              "kind: ActionSet"]
    doc = yaml.safe_load(result.stdout)
    assert doc["metadata"] == {"name": "fixed", "namespace": "ns"}
    assert doc["spec"]["actions"] == [{
        "name": "backup", "blueprint": "bp",
        "object": {"apiVersion": "", "group": "", "resource": "", "kind": "deployment",
                   "namespace": "ns", "name": "web"},
    }]


def test_a_bad_pod_label_fails_before_anything_is_built(tmp_path: Path) -> None:
    result = _create(_kubeconfig(tmp_path, namespace=None), "-a", "backup", "-b", "bp",
                     "-T", "x", "--podlabels", "app=not ok")
    assert result.exit_code == 1
    assert "label value 'not ok' failed validation" in result.output
