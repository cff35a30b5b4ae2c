"""Least privilege shown, not claimed: for each rule of deploy/rbac.yaml's ClusterRole, the e2e
scenario that fails without it, on the real API server (RBAC enforced).

A probe controller runs as its own ServiceAccount (`kes/kes-rbac-probe`) bound to a copy of the
ClusterRole. Each test removes one rule from the copy, waits until the API server's authorizer
says so (a SubjectAccessReview), runs the scenario and checks how it fails, then puts the rule
back. Rules the controller needs before it is ready (reading ActionSets, managing its CRDs) are
shown with a controller started without them, and the Lease rule with a `--leader-elect`
controller that never leads without it. A rule no scenario needs must not be in deploy/.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import reposerver_harness as rs
import yaml
from builders import actionset, blueprint, kubetask, one_action
from e2e_harness import ROOT, ControllerProcess, Kube, wait_for

pytestmark = [pytest.mark.engines("kubernetes"), pytest.mark.timeout(300)]

PROBE = "kes-rbac-probe"
USER = f"system:serviceaccount:kes:{PROBE}"
GROUPS = ["system:serviceaccounts", "system:serviceaccounts:kes", "system:authenticated"]
# The rule only `--leader-elect` replicas need (the probe runs one replica without election).
ELECTION = {"leases": 'leases.coordination.k8s.io "kes-controller" is forbidden'}


def _rules() -> list[dict[str, Any]]:
    docs = list(yaml.safe_load_all((ROOT / "deploy" / "rbac.yaml").read_text()))
    role = next(d for d in docs if d and d.get("kind") == "ClusterRole")
    rules: list[dict[str, Any]] = role["rules"]
    return rules


def _key(rule: dict[str, Any]) -> str:
    return str(rule["resources"][0])


@dataclass
class Probe:
    kube: Kube
    devcluster: Any
    kubeconfig: Path
    controller: ControllerProcess
    work: Path

    def allowed(self, rule: dict[str, Any], namespace: str = "default") -> bool:
        resource, _, subresource = str(rule["resources"][0]).partition("/")
        attributes = {"group": rule["apiGroups"][0], "resource": resource,
                      "subresource": subresource, "verb": rule["verbs"][0],
                      "namespace": namespace}
        code, body = self.devcluster.request(
            "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            body={"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                  "spec": {"user": USER, "groups": GROUPS, "resourceAttributes": attributes}})
        assert code == 201, body
        return bool(body["status"].get("allowed"))

    def grant(self, rules: list[dict[str, Any]]) -> None:
        self.kube.apply([{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                          "metadata": {"name": PROBE}, "rules": rules}])


@pytest.fixture(scope="module")
def probe(
    kube: Kube, devcluster: Any, controller_kubeconfig: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Probe]:
    """The probe's account, role (all of deploy/'s rules) and controller."""
    kube.apply([
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": PROBE, "namespace": "kes"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": PROBE},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": PROBE},
         "subjects": [{"kind": "ServiceAccount", "name": PROBE, "namespace": "kes"}]},
    ])
    work = tmp_path_factory.mktemp("rbac")
    config = devcluster.service_account_kubeconfig(namespace="kes", name=PROBE,
                                                   path=work / "kubeconfig")
    process = ControllerProcess(kubeconfig=config, store=work / "store.sqlite3",
                                log=work / "controller.log", extra=["--phase-timeout", "60s"])
    state = Probe(kube=kube, devcluster=devcluster, kubeconfig=config, controller=process,
                  work=work)
    state.grant(_rules())
    wait_for(lambda: all(state.allowed(r) for r in _rules()), what="the probe's role")
    process.start()
    try:
        yield state
    finally:
        process.stop()


@pytest.fixture
def without(probe: Probe, request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """The parametrized rule, taken from the probe's role for the test's duration."""
    rule: dict[str, Any] = request.param
    rest = [r for r in _rules() if r != rule]
    probe.grant(rest)
    wait_for(lambda: not probe.allowed(rule), what=f"{_key(rule)} to be refused")
    try:
        yield rule
    finally:
        probe.grant(_rules())
        wait_for(lambda: probe.allowed(rule), what=f"{_key(rule)} to be granted again")


def _namespace(kube: Kube) -> str:
    name = f"rbac-{uuid.uuid4().hex[:8]}"
    kube.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}])
    return name


def _failed_with(kube: Kube, name: str, namespace: str, *fragments: str) -> None:
    obj = kube.wait_actionset(name, namespace)
    assert obj["status"]["state"] == "failed"
    message = obj["status"]["error"]["message"]
    for fragment in ("is forbidden", *fragments):
        assert fragment in message, message


# --- the scenarios: each runs against the probe controller and checks how it fails ---------


def _needs_status(probe: Probe, ns: str) -> None:
    probe.kube.apply(one_action("as-status", ns, phases=[kubetask("one", "true")]))
    wait_for(lambda: '"as-status" is forbidden' in probe.controller.log.read_text(),
             what="the refused status write")
    history = probe.controller.history("actionset", "as-status", "-n", ns)
    assert "ActionSetCompleted" in history.stdout  # the run happened, nobody can see it
    assert not (probe.kube.get("actionset", "as-status", ns) or {}).get("status")


def _needs_events(probe: Probe, ns: str) -> None:
    probe.kube.apply(one_action("as-events", ns, phases=[kubetask("one", "true")]))
    assert probe.kube.wait_actionset("as-events", ns)["status"]["state"] == "complete"
    wait_for(lambda: 'events is forbidden' in probe.controller.log.read_text(),
             what="the refused Event")
    assert probe.kube.events(ns, "as-events") == []


def _needs_pods(probe: Probe, ns: str) -> None:
    probe.kube.apply(one_action("as-pods", ns, phases=[kubetask("one", "true")]))
    _failed_with(probe.kube, "as-pods", ns, "pods")


def _needs_pod_logs(probe: Probe, ns: str) -> None:
    probe.kube.apply(one_action("as-log", ns, phases=[kubetask("one", "kando output a b")]))
    _failed_with(probe.kube, "as-log", ns, "pods/log")


def _needs_exec(probe: Probe, ns: str) -> None:
    probe.kube.apply([{"apiVersion": "v1", "kind": "Pod",
                       "metadata": {"name": "app", "namespace": ns},
                       "spec": {"containers": [{"name": "app", "image": "busybox"}]}}])
    probe.kube.run("wait", "--for=condition=Ready", "pod/app", "-n", ns, "--timeout=60s")
    exec_phase = {"func": "KubeExec", "name": "x", "args": {
        "namespace": ns, "pod": "app", "command": ["sh", "-c", "true"]}}
    probe.kube.apply(one_action("as-exec", ns, phases=[exec_phase]))
    _failed_with(probe.kube, "as-exec", ns, "pods/exec")


def _needs_workloads(probe: Probe, ns: str) -> None:
    probe.kube.apply([{
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "app", "namespace": ns},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "app"}}, "template": {
            "metadata": {"labels": {"app": "app"}},
            "spec": {"containers": [{"name": "app", "image": "busybox"}]}}}}])
    probe.kube.apply([
        blueprint("bp", ns, {"run": {"phases": [kubetask("one", "true")]}}),
        {**actionset("as-deploy", ns, blueprint="bp"), "spec": {"actions": [{
            "name": "run", "blueprint": "bp",
            "object": {"kind": "Deployment", "name": "app", "namespace": ns}}]}},
    ])
    _failed_with(probe.kube, "as-deploy", ns, 'deployments.apps "app"')


def _needs_secrets(probe: Probe, ns: str) -> None:
    probe.kube.apply([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds",
                       "namespace": ns}, "stringData": {"k": "v"}}])
    probe.kube.apply(one_action("as-secret", ns, phases=[kubetask("one", "true")],
                                secrets={"creds": {"name": "creds", "namespace": ns}}))
    _failed_with(probe.kube, "as-secret", ns, 'secrets "creds"')


def _needs_namespaces(probe: Probe, ns: str) -> None:
    # builders.actionset acts on the Namespace: `.Object` is read first.
    probe.kube.apply(one_action("as-ns", ns, phases=[kubetask("one", "true")]))
    _failed_with(probe.kube, "as-ns", ns, f'namespaces "{ns}"')


def _needs_claims(probe: Probe, ns: str) -> None:
    probe.kube.apply([{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                       "metadata": {"name": "data", "namespace": ns},
                       "spec": {"accessModes": ["ReadWriteOnce"],
                                "resources": {"requests": {"storage": "1Mi"}}}}])
    probe.kube.apply([
        blueprint("bp", ns, {"run": {"phases": [kubetask("one", "true")]}}),
        {**actionset("as-pvc", ns, blueprint="bp"), "spec": {"actions": [{
            "name": "run", "blueprint": "bp",
            "object": {"kind": "pvc", "name": "data", "namespace": ns}}]}},
    ])
    _failed_with(probe.kube, "as-pvc", ns, 'persistentvolumeclaims "data"')


def _needs_services(probe: Probe, ns: str) -> None:
    """A RepositoryServer's first step after reading its Secrets is its Service."""
    probe.kube.apply([*rs.server_secrets(
        ns, location={"type": "filestore", "prefix": "pfx", "claimName": "kopia-repo"},
        credentials=("secrets.kanister.io/filestore", {})), rs.repositoryserver("repo", ns)])
    try:
        seen: list[str] = []

        def refused() -> bool:
            seen.append(json.dumps(rs.status(probe.kube, "repo", ns)))
            return "Failed to reconcile service: services" in seen[-1] and (
                "is forbidden" in seen[-1])

        try:
            wait_for(refused, what="the refused Service")
        except AssertionError as exc:
            raise AssertionError(f"{exc} Last status: {seen[-1:]}") from None
        assert "cannot get resource \\\"services\\\"" in seen[-1]
    finally:
        # Gone before the rule comes back: it would start a kopia server otherwise.
        probe.kube.run("delete", "repositoryserver", "repo", "-n", ns, "--wait=false",
                       check=False)
        probe.kube.run("delete", "namespace", ns, "--wait=false", check=False)


DYNAMIC: dict[str, Callable[[Probe, str], None]] = {
    "services": _needs_services,
    "actionsets/status": _needs_status,
    "events": _needs_events,
    "pods": _needs_pods,
    "pods/exec": _needs_exec,
    "pods/log": _needs_pod_logs,
    "deployments": _needs_workloads,
    "secrets": _needs_secrets,
    "namespaces": _needs_namespaces,
    "persistentvolumeclaims": _needs_claims,
}
# Rules the controller needs to become ready at all: its start is the scenario.
AT_START = {
    "actionsets": "actionsets.cr.kanister.io is forbidden",
    "customresourcedefinitions": 'customresourcedefinitions.apiextensions.k8s.io '
                                 '"actionsets.cr.kanister.io" is forbidden',
}


def test_every_rule_has_a_scenario_or_a_reason() -> None:
    keys = [_key(rule) for rule in _rules()]
    assert len(keys) == len(set(keys)), keys
    assert sorted(keys) == sorted([*DYNAMIC, *AT_START, *ELECTION])


@pytest.mark.parametrize("without", [r for r in _rules() if _key(r) in DYNAMIC],
                         ids=_key, indirect=True)
def test_a_scenario_fails_without_the_rule(probe: Probe, without: dict[str, Any]) -> None:
    DYNAMIC[_key(without)](probe, _namespace(probe.kube))


def _controller_without(
    probe: Probe, rule: dict[str, Any], work: Path, *, extra: list[str]
) -> ControllerProcess:
    """A controller of its own ServiceAccount, bound to every rule of deploy/'s but `rule`."""
    account = f"kes-rbac-{_key(rule)[:10]}"
    rules = [r for r in _rules() if r != rule]
    probe.kube.apply([
        {"apiVersion": "v1", "kind": "ServiceAccount",
         "metadata": {"name": account, "namespace": "kes"}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
         "metadata": {"name": account}, "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": account},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                     "name": account},
         "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": "kes"}]},
    ])
    config = probe.devcluster.service_account_kubeconfig(namespace="kes", name=account,
                                                         path=work / "kubeconfig")
    return ControllerProcess(kubeconfig=config, store=work / "store.sqlite3",
                             log=work / "controller.log", extra=extra)


@pytest.mark.parametrize("rule", [r for r in _rules() if _key(r) in AT_START], ids=_key)
def test_the_controller_cannot_start_without_the_rule(
    probe: Probe, rule: dict[str, Any], tmp_path: Path
) -> None:
    process = _controller_without(probe, rule, tmp_path, extra=[])
    process.start(wait=False)
    try:
        wait_for(lambda: AT_START[_key(rule)] in process.log.read_text(),
                 what="the refused start")
        assert process.process is not None
        if process.process.poll() is None:
            assert not process.ready()
    finally:
        process.stop()


@pytest.mark.parametrize("rule", [r for r in _rules() if _key(r) in ELECTION], ids=_key)
def test_a_leader_elect_replica_never_leads_without_the_rule(
    probe: Probe, rule: dict[str, Any], tmp_path: Path
) -> None:
    process = _controller_without(
        probe, rule, tmp_path,
        extra=["--leader-elect", "--leader-elect-lease-duration", "3s",
               "--leader-elect-renew-deadline", "2s", "--leader-elect-retry-period", "0.5s"])
    process.start(wait=False)
    try:
        wait_for(lambda: ELECTION[_key(rule)] in process.log.read_text(),
                 what="the refused Lease")
        assert "Leading: took Lease" not in process.log.read_text()
    finally:
        process.stop()
