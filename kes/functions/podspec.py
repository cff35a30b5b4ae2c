"""The pod a pod-creating function runs, built as Kanister builds it (reference 1.1).

Default pod (`pkg/kube/pod.go` `GetPodObjectFromPodOptions`): one container named `container`,
`imagePullPolicy: IfNotPresent`, `restartPolicy: Never`, label `createdBy: kanister`; the
blueprint's `podOverride` with the ActionSet's `podOverride` merged on top (ActionSet wins) is
strategic-merge-patched onto that spec; ActionSet `podLabels`/`podAnnotations` are merged with the
blueprint's (blueprint wins). Pure: no API calls.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from collections.abc import Mapping
from typing import Any

DEFAULT_CONTAINER = "container"
JOB_PREFIX = "kanister-job-"
CREATED_BY = ("createdBy", "kanister")
JOB_ID_LABEL = "kanister.io/JobID"
# kes's own labels on the pods of a phase: after a crash, the restarted controller deletes
# the pods of a phase it cannot re-run.
RUN_LABEL = "kes.io/run"
PHASE_LABEL = "kes.io/phase"
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def phase_selector(*, uid: str, phase: str) -> str:
    return f"{RUN_LABEL}={uid},{PHASE_LABEL}={phase_label_value(phase)}"


def phase_label_value(phase: str) -> str:
    """The phase's name as a label value; a name that is not one (too long, other characters)
    is labelled by a digest of it, so every pod of every phase can be found after a crash."""
    if is_label_value(phase):
        return phase
    return "sha256-" + hashlib.sha256(phase.encode()).hexdigest()[:40]


def is_label_value(text: str) -> bool:
    return len(text) <= 63 and bool(_LABEL_VALUE.match(text))


# Patch merge keys of the PodSpec lists (k8s.io/api/core/v1 `patchMergeKey` tags). Lists not named
# here are replaced wholesale, as strategic merge does for lists without a merge key.
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "env": "name",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "schedulingGates": "name",
}


class PodSpecError(ValueError):
    """A podOverride that cannot be merged (wrong shapes)."""


def strategic_merge(original: Any, patch: Any, *, field: str = "") -> Any:
    """Strategic-merge `patch` onto `original` (both JSON-like); neither input is modified.

    Maps merge recursively and `null` deletes a key; lists with a merge key merge item by item
    (`$patch: delete` removes one, `$patch: replace` on a map replaces it, a `{"$patch":
    "replace"}` element replaces the list); other lists and scalars are replaced.
    """
    if isinstance(patch, Mapping):
        if patch.get("$patch") == "replace":
            return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
        if not isinstance(original, Mapping):
            original = {}
        merged = {k: copy.deepcopy(v) for k, v in original.items()}
        for key, value in patch.items():
            if key.startswith("$"):
                continue
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = strategic_merge(merged[key], value, field=key)
            else:
                merged[key] = strategic_merge(None, value, field=key)
        return merged
    if isinstance(patch, list):
        directives = [i for i in patch if isinstance(i, Mapping) and set(i) == {"$patch"}]
        items = [i for i in patch if not any(i is d for d in directives)]
        if any(d["$patch"] == "replace" for d in directives):
            # A `{"$patch": "replace"}` element replaces the whole list with the other elements.
            return [_strip_directives(item) for item in items]
        patch = items
        merge_key = MERGE_KEYS.get(field)
        if merge_key is None or not isinstance(original, list):
            return [_strip_directives(item) for item in patch]
        return _merge_list(original, patch, merge_key=merge_key)
    return copy.deepcopy(patch)


def _strip_directives(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _strip_directives(v) for k, v in value.items() if not str(k).startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return copy.deepcopy(value)


def _merge_list(original: list[Any], patch: list[Any], *, merge_key: str) -> list[Any]:
    merged = [copy.deepcopy(item) for item in original]
    for item in patch:
        if not isinstance(item, Mapping) or merge_key not in item:
            raise PodSpecError(f"podOverride list item {item!r} has no merge key {merge_key!r}")
        index = next(
            (
                i
                for i, existing in enumerate(merged)
                if isinstance(existing, Mapping) and existing.get(merge_key) == item[merge_key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if index is not None:
                merged.pop(index)
            continue
        if index is None:
            merged.append(_strip_directives(item))
        else:
            merged[index] = strategic_merge(merged[index], item)
    return merged


def merge_override(
    blueprint: Mapping[str, Any] | None, action_set: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Kanister's `GetPodSpecOverride`: the ActionSet's podOverride merged onto the blueprint's."""
    return dict(strategic_merge(dict(blueprint or {}), dict(action_set or {})))


def merge_blueprint_wins(
    action_set: Mapping[str, str] | None, blueprint: Mapping[str, str] | None
) -> dict[str, str] | None:
    """`MergeBPLabels`/`MergeBPAnnotations`: union, the blueprint's value wins on a clash."""
    if action_set is None and blueprint is None:
        return None
    return {**dict(action_set or {}), **dict(blueprint or {})}


def build_pod(
    *,
    namespace: str,
    image: str,
    command: list[str],
    generate_name: str = JOB_PREFIX,
    container_name: str = DEFAULT_CONTAINER,
    pod_override: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    service_account: str = "",
    volumes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The pod body to create: default spec, podOverride merged, main container first.

    `volumes` maps PVC name → mount path (volume names `vol-<pvc>`, which keeps the spec
    deterministic where Kanister uses random UUIDs).
    """
    container: dict[str, Any] = {
        "name": container_name,
        "image": image,
        "command": list(command),
        "imagePullPolicy": "IfNotPresent",
    }
    spec: dict[str, Any] = {"containers": [container], "restartPolicy": "Never"}
    if volumes:
        container["volumeMounts"] = [
            {"name": f"vol-{pvc}", "mountPath": path} for pvc, path in volumes.items()
        ]
        spec["volumes"] = [
            {"name": f"vol-{pvc}", "persistentVolumeClaim": {"claimName": pvc}} for pvc in volumes
        ]
    if service_account:
        spec["serviceAccountName"] = service_account
    if pod_override:
        spec = dict(strategic_merge(spec, dict(pod_override)))
    containers = list(spec.get("containers") or [])
    # Kanister sorts the main container first (others keep their order).
    containers.sort(key=lambda c: 0 if c.get("name") == container_name else 1)
    spec["containers"] = containers
    metadata: dict[str, Any] = {
        "generateName": generate_name,
        "namespace": namespace,
        "labels": {CREATED_BY[0]: CREATED_BY[1], **dict(labels or {})},
    }
    if annotations is not None:
        metadata["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}


def controller_service_account(*, namespace: str, controller_namespace: str) -> str:
    """The controller's service account for pods in its own namespace (Kanister's rule)."""
    if namespace != controller_namespace:
        return ""
    return os.environ.get("POD_SERVICE_ACCOUNT", "")
