"""Pod spec validation (`ValidatePodSpec`), for Pods and the templates of workloads.

Checked, in the apiserver's order: volumes (names, one source each), containers and init
containers (names, image, ports, env names, volumeMounts), restartPolicy, and the user and group
ids of the security contexts. The field paths and messages are kube-apiserver's.
"""

from __future__ import annotations

from typing import Any

from kes.devcluster.validation import fields

# VolumeSource fields in the order the apiserver checks them.
_VOLUME_SOURCES = (
    "emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret",
    "nfs", "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "quobyte", "flexVolume",
    "cinder", "cephfs", "flocker", "downwardAPI", "fc", "azureFile", "vsphereVolume",
    "azureDisk", "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos",
    "configMap", "csi", "ephemeral", "image",
)
_RESTART_POLICIES = ["Always", "Never", "OnFailure"]
_PROTOCOLS = ["SCTP", "TCP", "UDP"]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _volumes(volumes: list[dict[str, Any]], path: str) -> tuple[set[str], list[
        fields.FieldError]]:
    names: set[str] = set()
    errs: list[fields.FieldError] = []
    for position, volume in enumerate(volumes):
        at = fields.index(path, position)
        own: list[fields.FieldError] = []
        sources = [source for source in _VOLUME_SOURCES if volume.get(source) is not None]
        own += [fields.FieldError(fields.FORBIDDEN, f"{at}.{source}", "",
                                  "may not specify more than 1 volume type")
                for source in sources[1:]]
        if not sources:
            own.append(fields.required(at, "must specify a volume type"))
        name = volume.get("name") or ""
        if not name:
            own.append(fields.required(at + ".name"))
        else:
            own += fields.invalid_all(at + ".name", name, fields.dns1123_label(str(name)))
        if name in names:
            own.append(fields.FieldError(fields.DUPLICATE, at + ".name", name))
        if not own:
            names.add(name)
        errs += own
    return names, errs


def _ports(ports: list[dict[str, Any]], path: str) -> list[fields.FieldError]:
    errs: list[fields.FieldError] = []
    names: set[str] = set()
    for position, port in enumerate(ports):
        at = fields.index(path, position)
        name = port.get("name") or ""
        if name:
            problems = fields.port_name(str(name))
            if problems:
                errs += fields.invalid_all(at + ".name", name, problems)
            elif name in names:
                errs.append(fields.FieldError(fields.DUPLICATE, at + ".name", name))
            names.add(name)
        number = port.get("containerPort")
        if not number:
            errs.append(fields.required(at + ".containerPort"))
        else:
            errs += fields.invalid_all(at + ".containerPort", number, fields.port_number(number))
        if port.get("hostPort"):
            errs += fields.invalid_all(at + ".hostPort", port["hostPort"],
                                       fields.port_number(port["hostPort"]))
        protocol = port.get("protocol") or ""
        if not protocol:
            errs.append(fields.required(at + ".protocol"))
        elif protocol not in _PROTOCOLS:
            errs.append(fields.not_supported(at + ".protocol", protocol, _PROTOCOLS))
    return errs


def _env(env: list[dict[str, Any]], path: str) -> list[fields.FieldError]:
    errs: list[fields.FieldError] = []
    for position, variable in enumerate(env):
        at = fields.index(path, position) + ".name"
        name = variable.get("name") or ""
        if not name:
            errs.append(fields.required(at))
        else:
            errs += fields.invalid_all(at, name, fields.env_var_name(str(name)))
    return errs


def _mounts(mounts: list[dict[str, Any]], volumes: set[str], path: str) -> list[
        fields.FieldError]:
    errs: list[fields.FieldError] = []
    seen: set[str] = set()
    for position, mount in enumerate(mounts):
        at = fields.index(path, position)
        name = mount.get("name") or ""
        if not name:
            errs.append(fields.required(at + ".name"))
        if name not in volumes:
            errs.append(fields.FieldError(fields.NOT_FOUND, at + ".name", name))
        mount_path = mount.get("mountPath") or ""
        if not mount_path:
            errs.append(fields.required(at + ".mountPath"))
        if mount_path in seen:
            errs.append(fields.invalid(at + ".mountPath", mount_path, "must be unique"))
        seen.add(mount_path)
    return errs


def _ids(context: Any, path: str, *, pod: bool) -> list[fields.FieldError]:
    """runAsUser, runAsGroup (and, for the pod, fsGroup and supplementalGroups) ranges."""
    if not isinstance(context, dict):
        return []
    errs: list[fields.FieldError] = []
    names = ("fsGroup", "runAsUser", "runAsGroup") if pod else ("runAsUser", "runAsGroup")
    for name in names:
        if context.get(name) is not None:
            errs += fields.invalid_all(f"{path}.{name}", context[name],
                                       fields.unix_id(context[name]))
    if pod:
        for position, gid in enumerate(context.get("supplementalGroups") or []):
            errs += fields.invalid_all(fields.index(f"{path}.supplementalGroups", position), gid,
                                       fields.unix_id(gid))
    return errs


def _containers(containers: list[dict[str, Any]], volumes: set[str], path: str,
                taken: set[str]) -> list[fields.FieldError]:
    errs: list[fields.FieldError] = []
    for position, container in enumerate(containers):
        at = fields.index(path, position)
        name = container.get("name") or ""
        if not name:
            errs.append(fields.required(at + ".name"))
        else:
            errs += fields.invalid_all(at + ".name", name, fields.dns1123_label(str(name)))
        if not container.get("image"):
            errs.append(fields.required(at + ".image"))
        errs += _ports(_dicts(container.get("ports")), at + ".ports")
        errs += _env(_dicts(container.get("env")), at + ".env")
        errs += _mounts(_dicts(container.get("volumeMounts")), volumes, at + ".volumeMounts")
        errs += _ids(container.get("securityContext"), at + ".securityContext", pod=False)
        if name in taken:
            errs.append(fields.FieldError(fields.DUPLICATE, at + ".name", name))
        taken.add(name)
    return errs


def pod_spec(spec: Any, *, path: str, claim_templates: frozenset[str] = frozenset()) -> list[
        fields.FieldError]:
    """Every field error of one pod spec, under `path` (`spec` or `spec.template.spec`).

    A StatefulSet's volumeClaimTemplates are volumes of its pods (`claim_templates`)."""
    if not isinstance(spec, dict):
        return [fields.required(path + ".containers")]
    declared = [v for v in _dicts(spec.get("volumes")) if v.get("name") not in claim_templates]
    volumes, errs = _volumes(declared, path + ".volumes")
    volumes |= claim_templates
    containers = _dicts(spec.get("containers"))
    if not containers:
        errs.append(fields.required(path + ".containers"))
    taken: set[str] = set()
    errs += _containers(containers, volumes, path + ".containers", taken)
    errs += _containers(_dicts(spec.get("initContainers")), volumes, path + ".initContainers",
                        taken)
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in _RESTART_POLICIES:
        errs.append(fields.required(path + ".restartPolicy") if policy == "" else
                    fields.not_supported(path + ".restartPolicy", policy, _RESTART_POLICIES))
    errs += _ids(spec.get("securityContext"), path + ".securityContext", pod=True)
    return errs
