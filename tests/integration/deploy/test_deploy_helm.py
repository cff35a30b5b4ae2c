"""The Helm chart's files: Helm's lint passes strictly, every `.Values.x.y` a template reads
exists in values.yaml, the metadata names home, sources and kubeVersion, the CRDs are the
generated ones, and the defaults are deploy/controller.yaml's and Kanister's names."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import helmrender
import pytest
import yaml
from deployfiles import CHART, DEPLOY, ROOT, one

_VALUES_REF = re.compile(r"\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")


def _templates() -> list[Path]:
    return sorted((CHART / "templates").glob("*"))


def _values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
    return values


def _lookup(values: dict[str, Any], dotted: str) -> Any:
    node: Any = values
    for key in dotted.strip(".").split("."):
        assert isinstance(node, dict) and key in node, f".Values{dotted} is not in values.yaml"
        node = node[key]
    return node


def test_chart_metadata() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "kes"
    assert chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert chart["appVersion"] == project["version"]
    assert chart["home"].startswith("https://")
    assert chart["sources"] and all(s.startswith("https://") for s in chart["sources"])
    assert re.fullmatch(r">=\s?1\.\d+\.\d+-0", chart["kubeVersion"])
    # The kustomize install pins the same release of the image.
    kustomization = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())
    assert kustomization["images"] == [{"name": "kes", "newTag": project["version"]}]


def test_templates_are_yaml_files_and_lint_clean() -> None:
    names = {p.name for p in _templates()}
    assert {"deployment.yaml", "clusterrole.yaml", "clusterrolebinding.yaml",
            "serviceaccount.yaml", "pvc.yaml", "service.yaml", "metrics-service.yaml",
            "servicemonitor.yaml", "webhook.yaml", "_helpers.tpl", "NOTES.txt"} <= names
    assert not [n for n in names if n.endswith(".yml")]
    report = helmrender.lint()
    assert report["errors"] == [], report
    # Severity 2 is a warning, 3 an error; `icon is recommended` (1, info) is all that may stay.
    assert [m for m in report["messages"] if m["severity"] >= 2] == [], report["messages"]


def test_lint_checks_values_against_the_schema() -> None:
    report = helmrender.lint({"store": {"type": "mysql"}})
    assert any("value must be one of 'sqlite', 'postgresql'" in e for e in report["errors"])


def test_every_values_reference_exists_in_values_yaml() -> None:
    values = _values()
    seen = set()
    for path in _templates():
        for dotted in _VALUES_REF.findall(path.read_text()):
            _lookup(values, dotted)
            seen.add(dotted)
    # The scan found the references it must (a broken regex would pass vacuously).
    assert {".image.repository", ".controller.logLevel", ".store.postgresql.existingSecret",
            ".healthCheckPort", ".bpValidatingWebhook.tls.mode"} <= seen


def test_the_values_check_catches_a_missing_key() -> None:
    with pytest.raises(AssertionError, match=r"not in values\.yaml"):
        _lookup(_values(), ".controller.noSuchKnob")


def test_every_yaml_file_outside_the_templates_parses() -> None:
    paths = [p for p in sorted(DEPLOY.rglob("*.yaml")) if "templates" not in p.parts]
    assert len(paths) >= 12
    for path in paths:
        assert "{{" not in path.read_text(), f"{path.name}: a template outside templates/"
        list(yaml.safe_load_all(path.read_text()))


def test_chart_crds_are_copies_of_deploy_crds() -> None:
    generated = {p.name: p.read_bytes() for p in (DEPLOY / "crds").glob("*.yaml")}
    copied = {p.name: p.read_bytes() for p in (CHART / "crds").glob("*.yaml")}
    assert generated
    assert copied == generated, "run: cp deploy/crds/*.yaml deploy/helm/kes/crds/"


def test_values_keep_kanisters_names_and_defaults() -> None:
    values = _values()
    for dotted in (".image.repository", ".image.tag", ".image.pullPolicy", ".rbac.create",
                   ".serviceAccount.create", ".serviceAccount.name",
                   ".serviceAccount.annotations", ".controller.logLevel",
                   ".controller.updateCRDs", ".controller.metrics.enabled", ".resources",
                   ".tolerations", ".nodeSelector"):
        _lookup(values, dotted)
    assert values["controller"]["logLevel"] == "info"
    assert values["controller"]["updateCRDs"] is True
    assert values["controller"]["metrics"]["enabled"] is False
    assert values["healthCheckPort"] == 8081
    assert values["podSecurityContext"]["runAsUser"] == 1000
    assert values["podSecurityContext"]["runAsGroup"] == 3000
    assert values["podSecurityContext"]["fsGroup"] == 2000
    assert values["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert values["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert values["store"]["type"] in ("sqlite", "postgresql")


def test_values_defaults_match_the_kustomize_deployment(rendered: list[dict[str, Any]]) -> None:
    values = _values()
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert values["podSecurityContext"] == pod["securityContext"]
    assert values["containerSecurityContext"] == container["securityContext"]
    assert values["resources"] == container["resources"]
    assert values["livenessProbe"] == container["livenessProbe"]
    assert values["readinessProbe"] == container["readinessProbe"]
    assert f"--health-port={values['healthCheckPort']}" in container["args"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["KES_STORE"] == values["store"]["sqlite"]["mountPath"] + "/store.sqlite3"
    assert env["LOG_LEVEL"] == values["controller"]["logLevel"]
    assert env["CREATEORUPDATE_CRDS"] == str(values["controller"]["updateCRDs"]).lower()


def test_postgresql_store_reads_its_url_from_a_secret() -> None:
    template = (CHART / "templates" / "deployment.yaml").read_text()
    postgres = template.split("{{- if $sqlite }}\n            - name: KES_STORE", 1)[1]
    postgres = postgres.split("{{- else }}", 1)[1].split("{{- end }}", 1)[0]
    assert "name: KES_STORE" in postgres
    assert "secretKeyRef:" in postgres
    # A URL with a password never sits in values.yaml or in the rendered Deployment.
    assert "postgresql://" not in template


def test_chart_readme_lists_every_value_and_helmignore_exists() -> None:
    readme = (CHART / "README.md").read_text()
    keys: list[str] = []

    # Kubernetes structures passed through whole are listed whole.
    whole = {"resources", "podSecurityContext", "containerSecurityContext", "livenessProbe",
             "readinessProbe"}

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict) and value and f"{prefix}{key}" not in whole:
                walk(value, f"{prefix}{key}.")
            keys.append(f"{prefix}{key}")

    walk(_values(), "")
    top_level = [k for k in keys if "." not in k]
    assert len(top_level) >= 15
    missing = [k for k in keys if f"`{k}" not in readme]
    assert not missing, f"README.md does not list: {missing}"
    assert ".git/" in (CHART / ".helmignore").read_text()
