"""The Helm chart rendered by Helm's engine with its defaults and with the value variations users
set: the same objects and rules as deploy/, the PostgreSQL store, metrics, watched namespaces,
CRD management off, and the errors `required`/`fail` and values.schema.json raise."""

from __future__ import annotations

from typing import Any

import helmrender
import pytest
import yaml
from deployfiles import DEPLOY, Kubectl, one


def _container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = one(objects, "Deployment")["spec"]["template"]["spec"][
        "containers"][0]
    return container


def _env(objects: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in _container(objects)["env"]}


def test_default_render_has_deploys_objects() -> None:
    objects = helmrender.objects()
    kinds = sorted(o["kind"] for o in objects)
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "Deployment",
                     "PersistentVolumeClaim", "Secret", "Service", "ServiceAccount",
                     "ValidatingWebhookConfiguration"]
    for obj in objects:
        if obj["kind"] not in ("ClusterRole", "ClusterRoleBinding",
                               "ValidatingWebhookConfiguration"):
            assert obj["metadata"]["namespace"] == "kes"


def test_default_render_matches_the_kustomize_deployment(
    rendered: list[dict[str, Any]],
) -> None:
    helm, plain = helmrender.objects(), rendered
    helm_pod = one(helm, "Deployment")["spec"]["template"]["spec"]
    plain_pod = one(plain, "Deployment")["spec"]["template"]["spec"]
    assert helm_pod["securityContext"] == plain_pod["securityContext"]
    assert one(helm, "Deployment")["spec"]["strategy"] == {"type": "Recreate"}
    assert one(helm, "Deployment")["spec"]["replicas"] == 1
    helm_c, plain_c = helm_pod["containers"][0], plain_pod["containers"][0]
    for key in ("ports", "livenessProbe", "readinessProbe", "resources", "securityContext",
                "volumeMounts", "image"):
        assert helm_c[key] == plain_c[key], key
    assert set(plain_c["args"]) <= set(helm_c["args"])
    assert sorted(helm_c["env"], key=lambda e: e["name"]) == sorted(
        plain_c["env"], key=lambda e: e["name"])
    assert one(helm, "ClusterRole")["rules"] == one(plain, "ClusterRole")["rules"]
    # The pieces refer to each other by the names Helm gave them.
    claim = {v["name"]: v for v in helm_pod["volumes"]}["store"]["persistentVolumeClaim"]
    assert claim["claimName"] == one(helm, "PersistentVolumeClaim")["metadata"]["name"]
    account = one(helm, "ServiceAccount")["metadata"]["name"]
    assert helm_pod["serviceAccountName"] == account
    binding = one(helm, "ClusterRoleBinding")
    assert binding["subjects"][0]["name"] == account
    assert binding["roleRef"]["name"] == one(helm, "ClusterRole")["metadata"]["name"]
    selector = one(helm, "Deployment")["spec"]["selector"]["matchLabels"]
    assert selector.items() <= one(helm, "Deployment")["spec"]["template"]["metadata"][
        "labels"].items()


def test_store_claim_survives_uninstall() -> None:
    claim = one(helmrender.objects(), "PersistentVolumeClaim")
    assert claim["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    assert "storageClassName" not in claim["spec"]
    sized = one(helmrender.objects({"store": {"sqlite": {"storageClassName": "fast",
                                                         "size": "5Gi"}}}),
                "PersistentVolumeClaim")
    assert sized["spec"]["storageClassName"] == "fast"
    assert sized["spec"]["resources"]["requests"]["storage"] == "5Gi"


def test_existing_claim_is_used_not_created() -> None:
    objects = helmrender.objects({"store": {"sqlite": {"existingClaim": "my-log"}}})
    assert not [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    volumes = one(objects, "Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "store", "persistentVolumeClaim": {"claimName": "my-log"}} in volumes


def test_postgresql_store_from_a_secret() -> None:
    objects = helmrender.objects(
        {"store": {"type": "postgresql", "postgresql": {"existingSecret": "kes-store"}}})
    assert not [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    assert _env(objects)["KES_STORE"] == {"secretKeyRef": {"name": "kes-store", "key": "url"}}
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["tmp", "webhook-certs"]
    assert [m["name"] for m in pod["containers"][0]["volumeMounts"]] == ["tmp", "webhook-certs"]


def test_postgresql_store_requires_its_secret() -> None:
    with pytest.raises(helmrender.RenderError, match="existingSecret is required"):
        helmrender.objects({"store": {"type": "postgresql"}})


def test_unknown_store_type_fails() -> None:
    with pytest.raises(helmrender.RenderError, match="value must be one of 'sqlite', 'postgresql'"):
        helmrender.objects({"store": {"type": "mysql"}})


def test_metrics_service_selects_the_pod() -> None:
    assert not [o for o in helmrender.objects() if o["kind"] == "Service"
                and o["metadata"]["name"].endswith("-metrics")]
    objects = helmrender.objects({"controller": {"metrics": {"enabled": True}}})
    service = one(objects, "Service", "kes-metrics")
    labels = one(objects, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"] == [
        {"name": "health", "port": 8081, "targetPort": "health", "protocol": "TCP"}]
    assert service["metadata"]["annotations"]["prometheus.io/port"] == "8081"


def test_controller_values_become_flags_and_env() -> None:
    objects = helmrender.objects({
        "controller": {"namespaces": ["apps", "db"], "logLevel": "debug", "updateCRDs": False,
                       "workers": 8, "phaseTimeout": "30m", "actionSetTimeout": "2h",
                       "allowEnv": ["CLUSTER"], "logJson": True},
        "healthCheckPort": 9000,
    })
    env = _env(objects)
    assert env["KES_NAMESPACES"] == "apps,db"
    assert env["LOG_LEVEL"] == "debug"
    assert env["CREATEORUPDATE_CRDS"] == "false"
    container = _container(objects)
    assert container["args"] == [
        "--health-port=9000", "--health-address=0.0.0.0", "--webhook-address=0.0.0.0",
        "--workers=8", "--phase-timeout=30m",
        "--timeout=2h", "--allow-env=CLUSTER", "--log-json"]
    assert container["ports"][0]["containerPort"] == 9000
    rules = one(objects, "ClusterRole")["rules"]
    assert not [r for r in rules if "apiextensions.k8s.io" in r["apiGroups"]]
    assert "KES_NAMESPACES" not in _env(helmrender.objects())


def test_scheduling_and_service_account_values() -> None:
    objects = helmrender.objects({
        "nodeSelector": {"disk": "ssd"},
        "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
        "serviceAccount": {"annotations": {"iam": "role"}, "name": "backup"},
        "imagePullSecrets": [{"name": "pull"}],
        "image": {"repository": "team/kes", "tag": "9.9.9"},
    })
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"disk": "ssd"}
    assert pod["tolerations"][0]["key"] == "dedicated"
    assert pod["imagePullSecrets"] == [{"name": "pull"}]
    assert pod["serviceAccountName"] == "backup"
    assert pod["containers"][0]["image"] == "team/kes:9.9.9"
    assert one(objects, "ServiceAccount")["metadata"]["annotations"] == {"iam": "role"}
    bare = helmrender.objects({"rbac": {"create": False}, "serviceAccount": {"create": False},
                               "bpValidatingWebhook": {"enabled": False}})
    assert sorted(o["kind"] for o in bare) == ["Deployment", "PersistentVolumeClaim"]
    assert one(bare, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"] == "default"


def test_release_name_prefixes_the_objects() -> None:
    objects = helmrender.objects(release="backup", namespace="ops")
    assert one(objects, "Deployment")["metadata"]["name"] == "backup-kes"
    assert one(objects, "PersistentVolumeClaim")["metadata"]["name"] == "backup-kes-store"
    assert one(objects, "ClusterRoleBinding")["subjects"][0]["namespace"] == "ops"
    hook = one(objects, "ValidatingWebhookConfiguration")["webhooks"][0]
    assert hook["clientConfig"]["service"] == {
        "namespace": "ops", "name": "backup-kes", "path": "/validate/v1alpha1/blueprint",
        "port": 443}


def test_notes_render() -> None:
    notes = helmrender.render()["NOTES.txt"]
    assert "kubectl -n kes rollout status deployment/kes" in notes


def test_default_render_applies_with_server_dry_run(kubectl: Kubectl) -> None:
    # Release namespace `default` exists in every cluster; the CRDs come from the chart's crds/.
    objects = [o for o in helmrender.objects(namespace="default")
               if o["kind"] != "ValidatingWebhookConfiguration"]  # not in the shared cluster
    crds = [yaml.safe_load(p.read_text()) for p in sorted((DEPLOY / "crds").glob("*.yaml"))]
    text = yaml.safe_dump_all(crds + objects)
    result = kubectl("apply", "--dry-run=server", "-f", "-", stdin=text)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("(server dry run)") == len(crds) + len(objects)


def test_several_replicas_share_a_postgresql_log_and_elect_a_leader() -> None:
    objects = helmrender.objects({
        "store": {"type": "postgresql", "postgresql": {"existingSecret": "kes-store"}},
        "controller": {"replicas": 2, "leaderElection": {"leaseDuration": "20s"}},
    })
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["strategy"] == {"type": "RollingUpdate"}
    args = _container(objects)["args"]
    assert "--leader-elect" in args
    assert "--leader-elect-lease-duration=20s" in args
    assert not [a for a in args if a.startswith("--leader-elect-renew-deadline")]


def test_one_replica_runs_without_election_by_default() -> None:
    objects = helmrender.objects({})
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert not [a for a in _container(objects)["args"] if a.startswith("--leader-elect")]


def test_several_replicas_on_sqlite_fail_with_what_to_change() -> None:
    with pytest.raises(helmrender.RenderError, match=r"needs store\.type postgresql"):
        helmrender.objects({"controller": {"replicas": 2}})


def test_leader_election_durations_are_checked_by_the_schema() -> None:
    with pytest.raises(helmrender.RenderError, match="leaseDuration"):
        helmrender.objects({"controller": {"leaderElection": {"leaseDuration": "soon"}}})
