"""deploy/ as `kubectl apply -k deploy/` sees it: what kustomize renders, and that the API server
accepts every object (server-side dry run against the devcluster)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from deployfiles import DEPLOY, Kubectl, one

EXPECTED = {
    ("Namespace", "kes"),
    ("CustomResourceDefinition", "actionsets.cr.kanister.io"),
    ("CustomResourceDefinition", "blueprints.cr.kanister.io"),
    ("CustomResourceDefinition", "profiles.cr.kanister.io"),
    ("CustomResourceDefinition", "repositoryservers.cr.kanister.io"),
    ("ServiceAccount", "kes-controller"),
    ("ClusterRole", "kes-controller"),
    ("ClusterRoleBinding", "kes-controller"),
    ("PersistentVolumeClaim", "kes-store"),
    ("Deployment", "kes-controller"),
    ("Service", "kes-controller"),
    ("ValidatingWebhookConfiguration", "blueprints.cr.kanister.io"),
}
CLUSTER_SCOPED = {"Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding",
                  "ValidatingWebhookConfiguration"}


def _container(rendered: list[dict[str, Any]]) -> dict[str, Any]:
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    assert len(pod["containers"]) == 1
    container: dict[str, Any] = pod["containers"][0]
    return container


def test_renders_exactly_the_expected_objects(rendered: list[dict[str, Any]]) -> None:
    found = [(o["kind"], o["metadata"]["name"]) for o in rendered]
    assert sorted(found) == sorted(EXPECTED)
    for obj in rendered:
        namespace = obj["metadata"].get("namespace")
        if obj["kind"] in CLUSTER_SCOPED:
            assert namespace is None, obj["kind"]
        else:
            assert namespace == "kes", obj["kind"]


def test_crds_are_the_generated_files_unchanged(rendered: list[dict[str, Any]]) -> None:
    for path in sorted((DEPLOY / "crds").glob("*.yaml")):
        generated = yaml.safe_load(path.read_text())
        assert one(rendered, "CustomResourceDefinition", generated["metadata"]["name"]) == generated


def test_one_replica_recreated_with_its_store_on_the_claim(rendered: list[dict[str, Any]]) -> None:
    deployment = one(rendered, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    pod = deployment["spec"]["template"]["spec"]
    container = _container(rendered)
    env = {e["name"]: e for e in container["env"]}
    store = env["KES_STORE"]["value"]
    claims = {v["name"]: v["persistentVolumeClaim"]["claimName"]
              for v in pod["volumes"] if "persistentVolumeClaim" in v}
    mounts = [m for m in container["volumeMounts"] if store.startswith(m["mountPath"] + "/")]
    assert len(mounts) == 1, f"{store} is not on exactly one mounted volume"
    assert claims.get(mounts[0]["name"]) == one(rendered, "PersistentVolumeClaim")["metadata"][
        "name"
    ]
    assert env["POD_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    # The root filesystem is read-only, so every path the process writes must be a volume.
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/tmp"}


def test_probes_use_the_health_port_bound_to_all_addresses(
    rendered: list[dict[str, Any]],
) -> None:
    container = _container(rendered)
    args = dict(a.split("=", 1) for a in container["args"])
    assert args["--health-address"] == "0.0.0.0"
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["health"] == int(args["--health-port"])
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}


def test_security_context_is_kanisters_helm_default(rendered: list[dict[str, Any]]) -> None:
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    context = pod["securityContext"]
    assert (context["runAsUser"], context["runAsGroup"], context["fsGroup"]) == (1000, 3000, 2000)
    assert context["runAsNonRoot"] is True
    container = _container(rendered)["securityContext"]
    assert container["allowPrivilegeEscalation"] is False
    assert container["capabilities"] == {"drop": ["ALL"]}


def test_service_account_is_the_bound_one(rendered: list[dict[str, Any]]) -> None:
    pod = one(rendered, "Deployment")["spec"]["template"]["spec"]
    account = one(rendered, "ServiceAccount")["metadata"]
    binding = one(rendered, "ClusterRoleBinding")
    assert pod["serviceAccountName"] == account["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["name"], "namespace": account["namespace"]}
    ]
    assert binding["roleRef"]["name"] == one(rendered, "ClusterRole")["metadata"]["name"]


def test_every_object_applies_with_server_dry_run(
    kubectl: Kubectl, rendered: list[dict[str, Any]], rendered_text: str
) -> None:
    # A dry run creates nothing, so the namespaced objects need their Namespace to exist.
    namespace = one(rendered, "Namespace")
    created = kubectl("apply", "-f", "-", stdin=yaml.safe_dump(namespace))
    assert created.returncode == 0, created.stderr
    try:
        result = kubectl("apply", "--dry-run=server", "-f", "-", stdin=rendered_text)
        assert result.returncode == 0, result.stderr
        applied = set(re.findall(r"^(\S+)/(\S+) \w+ \(server dry run\)$", result.stdout, re.M))
        assert len(applied) == len(EXPECTED), result.stdout
        for obj in rendered:
            plural_kind = obj["kind"].lower()
            assert any(kind.startswith(plural_kind) and name == obj["metadata"]["name"]
                       for kind, name in applied), (obj["kind"], result.stdout)
        missing = kubectl("get", "deployment", "kes-controller", "-n", "kes")
        assert missing.returncode != 0
        assert "NotFound" in missing.stderr
    finally:
        deleted = kubectl("delete", "namespace", "kes", "--wait=false")
        assert deleted.returncode == 0, deleted.stderr


def test_server_dry_run_checks_what_it_is_sent(
    kubectl: Kubectl, rendered: list[dict[str, Any]]
) -> None:
    # The dry run above is only evidence if the server does check the objects it is sent.
    deployment = one(rendered, "Deployment")
    elsewhere = {**deployment, "metadata": {**deployment["metadata"], "namespace": "kes-absent"}}
    result = kubectl("apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump(elsewhere))
    assert result.returncode != 0
    assert 'namespaces "kes-absent" not found' in result.stderr
    badly_named = {**deployment, "metadata": {
        **deployment["metadata"], "name": "Kes_Controller", "namespace": "default"}}
    result = kubectl("apply", "--dry-run=server", "-f", "-", stdin=yaml.safe_dump(badly_named))
    assert result.returncode != 0
    assert "Invalid value" in result.stderr
