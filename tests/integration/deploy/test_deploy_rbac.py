"""The controller's ClusterRole grants what kes's code calls, and nothing the table cannot explain.

(tests/e2e/test_rbac.py shows on a real API server which scenario fails without each rule; the
finalizers and */scale rules went when it showed that nothing needs them.)

`NEEDED` is the table of API calls: for each (group, resource) the verbs, the module that makes
the call and a literal that shows it there. A row whose literal left its module is stale; a rule
the table does not list is a grant nobody asked for. The Helm chart's ClusterRole must carry the
same rules as deploy/rbac.yaml.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from typing import Any

import yaml
from deployfiles import CHART, DEPLOY, one


@dataclass(frozen=True)
class Need:
    group: str
    resource: str
    verbs: tuple[str, ...]
    module: str
    marker: str
    why: str


NEEDED = (
    Need("cr.kanister.io", "actionsets", ("get", "list", "watch", "update", "patch"),
         "kes.controller.running", 'resource="actionsets"', "watch, finalizer patches"),
    Need("cr.kanister.io", "blueprints", ("get", "list", "watch", "update", "patch"),
         "kes.controller.running", 'resource="blueprints"', "watched cache of Blueprints"),
    Need("cr.kanister.io", "profiles", ("get", "list", "watch", "update", "patch"),
         "kes.controller.running", 'resource="profiles"', "watched cache of Profiles"),
    Need("cr.kanister.io", "repositoryservers", ("get", "list", "watch", "update", "patch"),
         "kes.domain.crds", '"repositoryservers"', "kes's own kind, as Kanister grants it"),
    Need("cr.kanister.io", "actionsets/status", ("get", "update", "patch"),
         "kes.adapters.k8s.customresources", '"/status"', "status projected from the log"),
    Need("cr.kanister.io", "repositoryservers/status", ("get", "update", "patch"),
         "kes.adapters.k8s.customresources", '"/status"', "status subresource of the kind"),
    Need("", "events", ("create",), "kes.adapters.k8s.events", 'resource="events"',
         "Events of ActionSet progress"),
    Need("apiextensions.k8s.io", "customresourcedefinitions", ("get", "create", "update"),
         "kes.adapters.k8s.customresources", 'resource="customresourcedefinitions"',
         "CREATEORUPDATE_CRDS"),
    Need("", "pods", ("get", "list", "watch", "create", "delete"), "kes.adapters.k8s.pods",
         'resource="pods"', "KubeTask pods, pods of a workload"),
    Need("", "pods", ("patch",), "kes.controller.repositoryservers.owned", '"PATCH"',
         "a RepositoryServer pod's Service label (Kanister's reconcile)"),
    Need("", "services", ("get", "create", "update"), "kes.controller.repositoryservers.owned",
         'resource="services"', "a RepositoryServer's Service; `.RepositoryServer.Address`"),
    Need("", "pods/exec", ("get", "create"), "kes.adapters.k8s.podexec",
         "connect_get_namespaced_pod_exec", "KubeExec, KubeExecAll"),
    Need("", "pods/log", ("get",), "kes.adapters.k8s.pods", '"/log"', "phase output"),
    Need("apps", "deployments", ("get", "list", "patch", "update"), "kes.adapters.k8s.workloads",
         '"deployments"', "workload params, ScaleWorkload"),
    Need("apps", "statefulsets", ("get", "list", "patch", "update"), "kes.adapters.k8s.workloads",
         '"statefulsets"', "workload params, ScaleWorkload"),
    Need("apps", "replicasets", ("get", "list", "patch", "update"), "kes.adapters.k8s.workloads",
         'resource="replicasets"', "current pods of a Deployment"),
    Need("", "secrets", ("get",), "kes.controller.parameters", 'resource="secrets"',
         "ActionSet secrets, Profile credentials"),
    Need("", "configmaps", ("get",), "kes.controller.parameters", '"configmaps"',
         "ActionSet configMaps"),
    Need("", "namespaces", ("get",), "kes.controller.parameters", '"namespaces"',
         "`.Object` of a Namespace subject"),
    Need("", "persistentvolumeclaims", ("get", "list"), "kes.controller.parameters",
         '"persistentvolumeclaims"', "`.Object` of a PVC subject"),
    Need("coordination.k8s.io", "leases", ("get", "create", "update"), "kes.adapters.k8s.leases",
         '"leases"', "leader election between replicas (`--leader-elect`)"),
)

# Resources named as literals in kes's calls to the API (devcluster excluded: it is the server).
_LITERAL = re.compile(r'resource="([a-z]+)"')


def _granted(rules: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {
        (group, resource, verb)
        for rule in rules
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }


def _needed() -> set[tuple[str, str, str]]:
    return {(n.group, n.resource, verb) for n in NEEDED for verb in n.verbs}


def _rbac_rules() -> list[dict[str, Any]]:
    docs = list(yaml.safe_load_all((DEPLOY / "rbac.yaml").read_text()))
    rules: list[dict[str, Any]] = one(docs, "ClusterRole")["rules"]
    return rules


def test_cluster_role_grants_every_call_and_only_those(rendered: list[dict[str, Any]]) -> None:
    granted = _granted(one(rendered, "ClusterRole")["rules"])
    needed = _needed()
    assert not needed - granted, f"missing grants: {sorted(needed - granted)}"
    assert not granted - needed, f"grants no code needs: {sorted(granted - needed)}"
    for rule in one(rendered, "ClusterRole")["rules"]:
        assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"], rule


def test_every_row_still_points_at_its_call() -> None:
    for need in NEEDED:
        if not need.module:
            continue
        source = inspect.getsource(importlib.import_module(need.module))
        assert need.marker in source, f"{need.resource}: {need.marker!r} left {need.module}"


def test_every_resource_the_code_names_is_in_the_table() -> None:
    modules = [
        "kes.adapters.k8s.customresources", "kes.adapters.k8s.events", "kes.adapters.k8s.objects",
        "kes.adapters.k8s.pods", "kes.adapters.k8s.workloads", "kes.adapters.k8s.watching",
        "kes.controller.parameters", "kes.controller.reconciling", "kes.controller.running",
        "kes.controller.executing", "kes.projections.status", "kes.functions.scaleworkload",
        "kes.controller.repositoryservers.owned", "kes.controller.repositoryservers.serversecrets",
        "kes.projections.repositoryserver_status", "kes.functions.kopiaserver",
    ]
    named = set()
    for module in modules:
        named |= set(_LITERAL.findall(inspect.getsource(importlib.import_module(module))))
    parameters = importlib.import_module("kes.controller.parameters")
    workloads = importlib.import_module("kes.adapters.k8s.workloads")
    named |= {resource for group, _, resource in parameters._KNOWN_KINDS.values()
              if group != "apps.openshift.io"}  # OpenShift only; a stock cluster has no such API
    named |= set(workloads.KINDS.values())
    assert named, "no resource literal found: the scan is broken"
    tabled = {n.resource for n in NEEDED}
    assert named <= tabled, f"called but not granted: {sorted(named - tabled)}"


def test_watch_is_granted_where_the_controller_watches() -> None:
    # `watching.follow` lists then watches; `list` alone would stall after the first listing.
    granted = _granted(_rbac_rules())
    for verb in ("list", "watch"):
        assert ("cr.kanister.io", "actionsets", verb) in granted


def test_helm_cluster_role_has_the_same_rules() -> None:
    template = (CHART / "templates" / "clusterrole.yaml").read_text()
    body = template.split("rules:\n", 1)[1]
    # Dropping the template's own lines leaves the rules with every conditional one kept.
    plain = "\n".join(line for line in body.splitlines() if "{{" not in line)
    assert yaml.safe_load(plain) == _rbac_rules()
    assert "{{- if .Values.controller.updateCRDs }}" in body.split("customresourcedefinitions")[0]
