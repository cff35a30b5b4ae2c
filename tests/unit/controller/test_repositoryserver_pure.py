"""The RepositoryServer controller's pure parts: owned objects, settings, retry backoff."""

from __future__ import annotations

import pytest

from kes.controller.repositoryservers import owned, reconciling, steps
from kes.domain import repositoryserver_secrets as rss

CR = {"apiVersion": "cr.kanister.io/v1alpha1", "kind": "RepositoryServer",
      "metadata": {"name": "repo", "namespace": "kanister", "uid": "u-1"}}


def test_service_is_kanisters() -> None:
    body = owned.service_body(cr=CR, name="repo-server-service-abcde")
    assert body["metadata"]["labels"] == {"name": "repo-server-service-abcde"}
    assert body["spec"] == {
        "ports": [{"name": "repo-server-service-port", "protocol": "TCP", "port": 51515}],
        "selector": {"name": "repo-server-service-abcde"}}
    (ref,) = body["metadata"]["ownerReferences"]
    assert ref == {"apiVersion": "cr.kanister.io/v1alpha1", "kind": "RepositoryServer",
                   "name": "repo", "uid": "u-1", "controller": True, "blockOwnerDeletion": True}


def test_pod_mounts_tls_claim_and_takes_credentials_by_reference() -> None:
    creds = rss.credentials(rss.Secret(name="c", namespace="kanister",
                                       type=rss.AWS_TYPE,
                                       data={"access-key": b"AK", "secret-acccess-key": b"SK"}))
    body = owned.pod_body(cr=CR, name="repo-server-pod-fghij", service_name="svc",
                          tls_secret="tls", credentials_secret="c", credentials=creds,
                          claim=("repo-pvc", True),
                          override={"nodeSelector": {"zone": "a"}, "affinity": {"x": 1}})
    spec = body["spec"]
    (container,) = spec["containers"]
    assert container["name"] == "repo-server-container"
    assert container["command"] == ["bash", "-c", "tail -f /dev/null"]
    assert spec["securityContext"] == {"runAsUser": 0, "runAsNonRoot": False}
    assert body["metadata"]["labels"] == {"name": "svc"}
    assert {m["mountPath"]: m.get("readOnly", False) for m in container["volumeMounts"]} == {
        "/mnt/data": True, "/mnt/secrets/tlscert": False, "/tmp": False}
    assert {"name": "kopia-cert", "secret": {"secretName": "tls"}} in spec["volumes"]
    assert container["env"] == [
        {"name": "AWS_ACCESS_KEY_ID",
         "valueFrom": {"secretKeyRef": {"name": "c", "key": "access-key"}}},
        {"name": "AWS_SECRET_ACCESS_KEY",
         "valueFrom": {"secretKeyRef": {"name": "c", "key": "secret-acccess-key"}}},
    ]
    assert "AK" not in str(body) and "SK" not in str(body)
    assert spec["nodeSelector"] == {"zone": "a"} and "affinity" not in spec


def test_names_use_kubernetes_random_alphabet() -> None:
    suffix = owned.random_suffix()
    assert len(suffix) == 5 and set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_readiness() -> None:
    running = {"status": {"phase": "Running",
                          "conditions": [{"type": "Ready", "status": "True"}]}}
    assert owned.is_ready(running)
    assert not owned.is_ready({"status": {"phase": "Pending"}})


def test_cache_and_configuration_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(steps.GENERAL_CONTENT_CACHE_ENV, raising=False)
    monkeypatch.setenv(steps.GENERAL_METADATA_CACHE_ENV, "700")
    assert steps.cache_settings({}).content_cache_limit_mb == 0
    assert steps.cache_settings({}).metadata_cache_limit_mb == 700
    spec = {"repository": {"cacheSizeSettings": {"content": 5, "metadata": 6},
                           "configuration": {"configFilePath": "/c"}}}
    assert (steps.cache_settings(spec).content_cache_limit_mb,
            steps.cache_settings(spec).metadata_cache_limit_mb) == (5, 6)
    assert steps.configuration(spec) == ("/c", "/tmp/kopia-log", "/tmp/kopia-cache")


def test_start_timeout_is_a_go_duration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(steps.START_TIMEOUT_ENV, "90s")
    assert steps.start_timeout() == 90
    monkeypatch.setenv(steps.START_TIMEOUT_ENV, "soon")
    assert steps.start_timeout() == steps.DEFAULT_START_TIMEOUT_S
    monkeypatch.delenv(steps.START_TIMEOUT_ENV)
    assert steps.start_timeout() == 600


def test_retries_back_off_up_to_five_minutes() -> None:
    assert [reconciling.retry_delay(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert reconciling.retry_delay(20) == 300
