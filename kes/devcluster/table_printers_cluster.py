"""Table printers for the cluster-level and batch kinds: nodes, persistent volumes, storage
classes, endpoints, daemon sets and jobs, with the columns kubectl shows for them."""

from __future__ import annotations

import datetime
from typing import Any

from kes.devcluster import table_cells as cells

_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"


def node_status(node: dict[str, Any]) -> str:
    """``Ready``/``NotReady``/``Unknown``, plus ``,SchedulingDisabled`` when cordoned."""
    status = "Unknown"
    for condition in cells.dig(node, "status", "conditions") or []:
        if condition.get("type") == "Ready":
            status = {"True": "Ready", "False": "NotReady"}.get(condition.get("status"),
                                                                "Unknown")
    if cells.dig(node, "spec", "unschedulable"):
        status += ",SchedulingDisabled"
    return status


def _node_roles(node: dict[str, Any]) -> str:
    labels = cells.meta(node).get("labels") or {}
    roles = {key.split("/", 1)[1] for key in labels
             if key.startswith("node-role.kubernetes.io/") and key.split("/", 1)[1]}
    if labels.get("kubernetes.io/role"):
        roles.add(labels["kubernetes.io/role"])
    return ",".join(sorted(roles)) or cells.NONE


def _address(node: dict[str, Any], kind: str) -> str:
    for address in cells.dig(node, "status", "addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address", ""))
    return cells.NONE


def _node_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    info = cells.dig(obj, "status", "nodeInfo") or {}
    return [cells.name(obj), node_status(obj), _node_roles(obj), cells.object_age(obj, now),
            info.get("kubeletVersion", ""), _address(obj, "InternalIP"),
            _address(obj, "ExternalIP"), info.get("osImage") or "<unknown>",
            info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _pv_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    claim = spec.get("claimRef") or {}
    claim_text = f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else ""
    phase = cells.dig(obj, "status", "phase") or "Pending"
    if cells.meta(obj).get("deletionTimestamp"):
        phase = "Terminating"
    modes = ",".join(cells.ACCESS_MODES.get(m, m) for m in spec.get("accessModes") or [])
    return [cells.name(obj), cells.dig(spec, "capacity", "storage") or "", modes,
            spec.get("persistentVolumeReclaimPolicy") or "Retain", phase, claim_text,
            spec.get("storageClassName") or "", spec.get("volumeAttributesClassName") or
            "<unset>", cells.dig(obj, "status", "reason") or "", cells.object_age(obj, now),
            spec.get("volumeMode") or "Filesystem"]


def _storage_class_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    name = cells.name(obj)
    if (cells.meta(obj).get("annotations") or {}).get(_DEFAULT_CLASS) == "true":
        name += " (default)"
    return [name, obj.get("provisioner", ""), obj.get("reclaimPolicy") or "Delete",
            obj.get("volumeBindingMode") or "Immediate",
            bool(obj.get("allowVolumeExpansion", False)), cells.object_age(obj, now)]


def _endpoints_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    shown: list[str] = []
    total = 0
    for subset in obj.get("subsets") or []:
        ports = subset.get("ports") or [{}]
        for address in subset.get("addresses") or []:
            for port in ports:
                total += 1
                if len(shown) < 3:
                    ip = address.get("ip", "")
                    shown.append(f"{ip}:{port['port']}" if "port" in port else ip)
    text = ",".join(shown) if shown else cells.NONE
    if total > 3:
        text += f" + {total - 3} more..."
    return [cells.name(obj), text, cells.object_age(obj, now)]


def _daemonset_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    status = obj.get("status") or {}
    node_selector = cells.dig(obj, "spec", "template", "spec", "nodeSelector") or {}
    selector_text = ",".join(f"{k}={v}" for k, v in sorted(node_selector.items()))
    template = cells.dig(obj, "spec", "template", "spec")
    return [cells.name(obj), int(status.get("desiredNumberScheduled", 0)),
            int(status.get("currentNumberScheduled", 0)), int(status.get("numberReady", 0)),
            int(status.get("updatedNumberScheduled", 0)),
            int(status.get("numberAvailable", 0)), selector_text or cells.NONE,
            cells.object_age(obj, now), *cells.template_columns(template),
            cells.format_label_selector(cells.dig(obj, "spec", "selector"))]


def job_status(job: dict[str, Any]) -> str:
    """The STATUS column kubectl 1.31+ shows: Complete, Failed, Suspended, Running, ..."""
    conditions = {c.get("type"): c.get("status")
                  for c in cells.dig(job, "status", "conditions") or []}
    for condition, text in (("Complete", "Complete"), ("Failed", "Failed"),
                            ("FailureTarget", "FailureTarget"),
                            ("SuccessCriteriaMet", "SuccessCriteriaMet"),
                            ("Suspended", "Suspended")):
        if conditions.get(condition) == "True":
            return text
    if cells.meta(job).get("deletionTimestamp"):
        return "Terminating"
    return "Running"


def _job_row(obj: dict[str, Any], now: datetime.datetime) -> list[Any]:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    completions = spec.get("completions")
    succeeded = int(status.get("succeeded", 0))
    if completions is not None:
        completion_text = f"{succeeded}/{completions}"
    else:
        parallelism = spec.get("parallelism", 1)
        completion_text = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else (
            f"{succeeded}/1")
    started, finished = status.get("startTime"), status.get("completionTime")
    duration = ""
    if started:
        end = now
        if finished:
            end = datetime.datetime.fromisoformat(str(finished).replace("Z", "+00:00"))
        start = datetime.datetime.fromisoformat(str(started).replace("Z", "+00:00"))
        duration = cells.human_duration((end - start).total_seconds())
    template = cells.dig(spec, "template", "spec")
    return [cells.name(obj), job_status(obj), completion_text, duration,
            cells.object_age(obj, now), *cells.template_columns(template),
            cells.format_label_selector(spec.get("selector"))]


_TEMPLATE_COLUMNS = (("Containers", "string", 1), ("Images", "string", 1),
                     ("Selector", "string", 1))

PRINTERS: dict[str, cells.Printer] = {
    "Node": cells.Printer(
        (("Name", "string", 0), ("Status", "string", 0), ("Roles", "string", 0),
         ("Age", "string", 0), ("Version", "string", 0), ("Internal-IP", "string", 1),
         ("External-IP", "string", 1), ("OS-Image", "string", 1),
         ("Kernel-Version", "string", 1), ("Container-Runtime", "string", 1)), _node_row),
    "PersistentVolume": cells.Printer(
        (("Name", "string", 0), ("Capacity", "string", 0), ("Access Modes", "string", 0),
         ("Reclaim Policy", "string", 0), ("Status", "string", 0), ("Claim", "string", 0),
         ("StorageClass", "string", 0), ("VolumeAttributesClass", "string", 0),
         ("Reason", "string", 0), ("Age", "string", 0), ("VolumeMode", "string", 1)),
        _pv_row),
    "StorageClass": cells.Printer(
        (("Name", "string", 0), ("Provisioner", "string", 0), ("ReclaimPolicy", "string", 0),
         ("VolumeBindingMode", "string", 0), ("AllowVolumeExpansion", "string", 0),
         ("Age", "string", 0)), _storage_class_row),
    "Endpoints": cells.Printer(
        (("Name", "string", 0), ("Endpoints", "string", 0), ("Age", "string", 0)),
        _endpoints_row),
    "DaemonSet": cells.Printer(
        (("Name", "string", 0), ("Desired", "integer", 0), ("Current", "integer", 0),
         ("Ready", "integer", 0), ("Up-to-date", "integer", 0), ("Available", "integer", 0),
         ("Node Selector", "string", 0), ("Age", "string", 0), *_TEMPLATE_COLUMNS),
        _daemonset_row),
    "Job": cells.Printer(
        (("Name", "string", 0), ("Status", "string", 0), ("Completions", "string", 0),
         ("Duration", "string", 0), ("Age", "string", 0), *_TEMPLATE_COLUMNS), _job_row),
}
