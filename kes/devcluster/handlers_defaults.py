"""What the apiserver fills in on create: defaults per kind.

Clients rely on some defaulted fields (a Secret's `type`, a Namespace's phase, a Deployment's
replicas and strategy, a Pod's `Pending` phase, a container port's protocol). What the apiserver
checks is in the `validation` package.
"""

from __future__ import annotations

import base64
import copy
import datetime
import itertools
from typing import Any

_cluster_ips = itertools.count(10)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fold_string_data(obj: dict[str, Any]) -> dict[str, Any]:
    """A Secret's write-only `stringData`, base64-encoded into `data` (stringData wins)."""
    string_data = obj.get("stringData")
    if not isinstance(string_data, dict):
        return obj
    obj = dict(obj)
    data = dict(obj.get("data") or {})
    for key, value in string_data.items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    obj["data"] = data
    del obj["stringData"]
    return obj


def _pull_policy(image: str) -> str:
    """Always for an untagged or `:latest` image, else IfNotPresent (a digest counts as a tag)."""
    name = image.rsplit("/", 1)[-1]
    if "@" in name:
        return "IfNotPresent"
    tag = name.partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _pod_spec(spec: dict[str, Any]) -> None:
    """The PodSpec defaults, which templates get too."""
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("securityContext", {})
    containers = itertools.chain(spec.get("initContainers") or [], spec.get("containers") or [])
    for container in containers:
        container.setdefault("imagePullPolicy", _pull_policy(str(container.get("image", ""))))
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        container.setdefault("resources", {})
        for port in container.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")


# What the admission plugins of a real API server add to a new pod (ServiceAccount, Priority,
# DefaultTolerationSeconds), but not to a workload's template. The ServiceAccount plugin's token
# volume is not added: docs/devcluster.md lists that difference.
_UNREACHABLE_TOLERATIONS = [
    {"key": f"node.kubernetes.io/{taint}", "operator": "Exists", "effect": "NoExecute",
     "tolerationSeconds": 300} for taint in ("not-ready", "unreachable")]


def _pod_admission(spec: dict[str, Any]) -> None:
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    tolerations = spec.setdefault("tolerations", [])
    for toleration in _UNREACHABLE_TOLERATIONS:
        if not any(t.get("key") == toleration["key"] for t in tolerations):
            tolerations.append(copy.deepcopy(toleration))
    spec.setdefault("priority", 0)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


def _template(spec: dict[str, Any]) -> None:
    template = spec.setdefault("template", {})
    template.setdefault("metadata", {})
    _pod_spec(template.setdefault("spec", {}))


def apply(*, kind: str, group: str, obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of `obj` with the server-side defaults of its kind."""
    obj = copy.deepcopy(obj)
    spec = obj.get("spec")
    if kind == "Namespace" and group == "":
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = obj["metadata"][
            "name"]
    elif kind == "Secret" and group == "":
        obj.setdefault("type", "Opaque")
    elif kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        for webhook in obj.get("webhooks") or []:
            webhook.setdefault("failurePolicy", "Fail")
            webhook.setdefault("matchPolicy", "Equivalent")
            webhook.setdefault("namespaceSelector", {})
            webhook.setdefault("objectSelector", {})
            webhook.setdefault("timeoutSeconds", 10)
            service = (webhook.get("clientConfig") or {}).get("service")
            if isinstance(service, dict):
                service.setdefault("port", 443)
            if kind == "MutatingWebhookConfiguration":
                webhook.setdefault("reinvocationPolicy", "Never")
    elif kind == "Event" and group == "":
        # Go writes these fields of a core/v1 Event even when empty.
        obj.setdefault("eventTime", None)
        obj.setdefault("reportingComponent", "")
        obj.setdefault("reportingInstance", "")
    elif kind == "Pod" and group == "":
        _pod_spec(obj.setdefault("spec", {}))
        _pod_admission(obj["spec"])
        obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
    elif kind == "Service" and group == "":
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        if spec.get("clusterIP") != "None":
            n = next(_cluster_ips)
            spec.setdefault("clusterIP", f"10.96.{n // 250}.{n % 250 + 1}")
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("sessionAffinity", "None")
        if spec["type"] != "ExternalName":
            spec.setdefault("ipFamilies", ["IPv4"])
            spec.setdefault("ipFamilyPolicy", "SingleStack")
            spec.setdefault("internalTrafficPolicy", "Cluster")
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
        obj.setdefault("status", {"loadBalancer": {}})
    elif kind == "PersistentVolumeClaim" and group == "":
        obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        obj.setdefault("status", {"phase": "Pending"})
    elif kind == "Deployment" and group == "apps" and isinstance(spec, dict):
        obj.setdefault("status", {})
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {
            "maxSurge": "25%", "maxUnavailable": "25%"}})
        _template(spec)
    elif kind == "StatefulSet" and group == "apps" and isinstance(spec, dict):
        obj.setdefault("status", {"replicas": 0, "availableReplicas": 0})
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("updateStrategy", {"type": "RollingUpdate",
                                           "rollingUpdate": {"partition": 0,
                                                             "maxUnavailable": 1}})
        spec.setdefault("persistentVolumeClaimRetentionPolicy",
                        {"whenDeleted": "Retain", "whenScaled": "Retain"})
        _template(spec)
    elif kind == "ReplicaSet" and group == "apps" and isinstance(spec, dict):
        obj.setdefault("status", {"replicas": 0})
        spec.setdefault("replicas", 1)
        _template(spec)
    elif kind == "CustomResourceDefinition":
        names = (spec or {}).get("names", {})
        names.setdefault("singular", str(names.get("kind", "")).lower())
        names.setdefault("listKind", f"{names.get('kind', '')}List")
        obj["status"] = {
            "acceptedNames": copy.deepcopy(names),
            "storedVersions": [v["name"] for v in (spec or {}).get("versions", [])
                               if v.get("storage")],
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": _now()},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted",
                 "lastTransitionTime": _now()},
            ],
        }
        obj.setdefault("spec", {}).setdefault("conversion", {"strategy": "None"})
    return obj
