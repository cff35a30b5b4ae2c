"""Building the API handle from a kubeconfig, and the error when there is no configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kes.adapters.k8s import client, errors


def _kubeconfig(path: Path, *, server: str, context: str = "dev") -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": "c", "cluster": {"server": server, "insecure-skip-tls-verify": True}}
        ],
        "users": [{"name": "u", "user": {"token": "t0ken"}}],
        "contexts": [{"name": context, "context": {"cluster": "c", "user": "u"}}],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(config))
    return path


def test_explicit_kubeconfig(tmp_path: Path) -> None:
    api = client.from_kubeconfig(
        path=str(_kubeconfig(tmp_path / "kc", server="https://127.0.0.1:6443"))
    )
    try:
        assert api.host == "https://127.0.0.1:6443"
        assert "Bearer t0ken" in api.configuration.api_key.values()
    finally:
        api.close()


def test_load_prefers_kubeconfig_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "KUBECONFIG", str(_kubeconfig(tmp_path / "kc", server="https://127.0.0.1:7443"))
    )
    api = client.load()
    try:
        assert api.host == "https://127.0.0.1:7443"
    finally:
        api.close()


def test_load_without_any_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(errors.ApiConfigError, match="No Kubernetes configuration found"):
        client.load()


def test_unknown_context_is_a_config_error(tmp_path: Path) -> None:
    path = _kubeconfig(tmp_path / "kc", server="https://127.0.0.1:6443")
    with pytest.raises(errors.ApiConfigError):
        client.from_kubeconfig(path=str(path), context="nope")


def test_controller_namespace_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POD_NAMESPACE", "kanister")
    assert client.controller_namespace() == "kanister"
