"""The PostgreSQL overlay of docs/deploy.md, rendered from the docs' own text: the URL comes from
a Secret, the SQLite claim and its mount are gone, and the result still applies."""

from __future__ import annotations

from typing import Any

import yaml
from deployfiles import Kubectl, one


def test_store_url_comes_from_the_secret(postgresql_rendered: list[dict[str, Any]]) -> None:
    container = one(postgresql_rendered, "Deployment")["spec"]["template"]["spec"][
        "containers"
    ][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["KES_STORE"] == {
        "name": "KES_STORE", "valueFrom": {"secretKeyRef": {"name": "kes-store", "key": "url"}}
    }
    # Everything else is deploy/'s.
    assert {"POD_NAMESPACE", "LOG_LEVEL", "CREATEORUPDATE_CRDS"} <= set(env)


def test_sqlite_claim_and_mount_are_gone(postgresql_rendered: list[dict[str, Any]]) -> None:
    assert not [o for o in postgresql_rendered if o["kind"] == "PersistentVolumeClaim"]
    pod = one(postgresql_rendered, "Deployment")["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["tmp", "webhook-certs"]
    assert [m["mountPath"] for m in pod["containers"][0]["volumeMounts"]] == [
        "/tmp", "/var/run/webhook/serving-cert"]
    assert one(postgresql_rendered, "Deployment")["spec"]["strategy"] == {"type": "Recreate"}


def test_overlay_deployment_applies_with_server_dry_run(
    kubectl: Kubectl, postgresql_rendered: list[dict[str, Any]]
) -> None:
    deployment = one(postgresql_rendered, "Deployment")
    # Into `default`, which exists: the namespace is not what this test is about.
    moved = {**deployment, "metadata": {**deployment["metadata"], "namespace": "default"}}
    result = kubectl("apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump(moved))
    assert result.returncode == 0, result.stderr
    assert "deployment.apps/kes-controller created (server dry run)" in result.stdout
