"""Validation of built-in objects as kube-apiserver does it, for the fields a kes user meets.

Every object's metadata (name by kind, generateName, labels, annotations), Secrets and
ConfigMaps (keys, size), Services (ports), CustomResourceDefinition names, and the pod specs of
Pods and workload templates (`pods`). Not every rule of pkg/apis/core/validation is here: the
ones a Blueprint, an example or a test can break are.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from kes.devcluster.validation import fields, pods

NameRule = Callable[[str], list[str]]

_NAME_RULES: dict[tuple[str, str], NameRule] = {
    ("", "Namespace"): fields.dns1123_label,
    ("", "Service"): fields.dns1035_label,
    ("apps", "StatefulSet"): fields.dns1123_label,
    ("rbac.authorization.k8s.io", "Role"): fields.path_segment,
    ("rbac.authorization.k8s.io", "ClusterRole"): fields.path_segment,
    ("rbac.authorization.k8s.io", "RoleBinding"): fields.path_segment,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): fields.path_segment,
}
_MAX_ANNOTATIONS_BYTES = 256 * 1024
_MAX_DATA_BYTES = 1024 * 1024
_PROTOCOLS = ["SCTP", "TCP", "UDP"]
_POD_TEMPLATE_KINDS = {("apps", "Deployment"), ("apps", "ReplicaSet"), ("apps", "StatefulSet"),
                       ("apps", "DaemonSet"), ("batch", "Job")}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _mask_trailing_dash(name: str) -> str:
    """generateName may end in '-': the suffix follows it (apimachinery's maskTrailingDash)."""
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def name_rule(*, group: str, kind: str) -> NameRule:
    return _NAME_RULES.get((group, kind), fields.dns1123_subdomain)


def metadata(*, group: str, kind: str, meta: dict[str, Any]) -> list[fields.FieldError]:
    """`ValidateObjectMeta`: generateName, name, labels and annotations."""
    rule = name_rule(group=group, kind=kind)
    errs: list[fields.FieldError] = []
    generate = meta.get("generateName")
    if isinstance(generate, str) and generate:
        errs += fields.invalid_all("metadata.generateName", generate,
                                   rule(_mask_trailing_dash(generate)))
    name = meta.get("name")
    if isinstance(name, str) and name:
        errs += fields.invalid_all("metadata.name", name, rule(name))
    labels = meta.get("labels")
    for label, value in (labels.items() if isinstance(labels, dict) else []):
        errs += fields.invalid_all("metadata.labels", label, fields.label_key(str(label)))
        errs += fields.invalid_all("metadata.labels", value, fields.label_value(str(value)))
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        for annotation in annotations:
            errs += fields.invalid_all("metadata.annotations", annotation,
                                       fields.label_key(str(annotation).lower()))
        size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in annotations.items())
        if size > _MAX_ANNOTATIONS_BYTES:
            errs.append(fields.too_long("metadata.annotations", _MAX_ANNOTATIONS_BYTES))
    return errs


def _keyed_data(*, obj: dict[str, Any], field: str, binary: bool) -> tuple[
        list[fields.FieldError], int]:
    """Key errors of a data map, and its size in bytes (decoded, for base64 maps)."""
    errs: list[fields.FieldError] = []
    size = 0
    values = obj.get(field)
    for data_key, value in (values.items() if isinstance(values, dict) else []):
        errs += fields.invalid_all(fields.key(field, data_key), data_key,
                                   fields.config_key(data_key))
        text = value if isinstance(value, str) else ""
        size += len(base64.b64decode(text)) if binary else len(text.encode())
    return errs, size


def _secret(obj: dict[str, Any]) -> list[fields.FieldError]:
    errs, size = _keyed_data(obj=obj, field="data", binary=True)
    if size > _MAX_DATA_BYTES:
        errs.append(fields.too_long("data", _MAX_DATA_BYTES))
    return errs


def _configmap(obj: dict[str, Any]) -> list[fields.FieldError]:
    errs, size = _keyed_data(obj=obj, field="data", binary=False)
    binary = _mapping(obj.get("binaryData"))
    for data_key in obj.get("data") or {}:
        if data_key in binary:
            errs.append(fields.invalid(fields.key("data", data_key), data_key,
                                       "duplicate of key present in binaryData"))
    binary_errs, binary_size = _keyed_data(obj=obj, field="binaryData", binary=True)
    errs += binary_errs
    if size + binary_size > _MAX_DATA_BYTES:
        errs.append(fields.too_long("", _MAX_DATA_BYTES))
    return errs


def _service(obj: dict[str, Any]) -> list[fields.FieldError]:
    spec = _mapping(obj.get("spec"))
    ports = spec.get("ports") or []
    errs: list[fields.FieldError] = []
    headless = spec.get("clusterIP") == "None"
    if not ports and not headless and spec.get("type") != "ExternalName":
        errs.append(fields.required("spec.ports"))
    names: set[str] = set()
    for position, port in enumerate(ports):
        if not isinstance(port, dict):
            continue
        path = fields.index("spec.ports", position)
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            errs.append(fields.required(path + ".name"))
        elif name:
            errs += fields.invalid_all(path + ".name", name, fields.dns1123_label(name))
            if name in names:
                errs.append(fields.FieldError(fields.DUPLICATE, path + ".name", name))
            names.add(name)
        errs += fields.invalid_all(path + ".port", port.get("port"),
                                   fields.port_number(port.get("port")))
        protocol = port.get("protocol") or ""
        if not protocol:
            errs.append(fields.required(path + ".protocol"))
        elif protocol not in _PROTOCOLS:
            errs.append(fields.not_supported(path + ".protocol", protocol, _PROTOCOLS))
    return errs


def _crd_name(obj: dict[str, Any]) -> list[fields.FieldError]:
    spec = _mapping(obj.get("spec"))
    names = _mapping(spec.get("names"))
    name = (obj.get("metadata") or {}).get("name") or ""
    if name and names.get("plural") and spec.get("group") and (
            name != f"{names['plural']}.{spec['group']}"):
        return [fields.invalid("metadata.name", name,
                               'must be spec.names.plural+"."+spec.group')]
    return []


def validate(*, group: str, kind: str, obj: dict[str, Any], builtin: bool) -> list[
        fields.FieldError]:
    """Every field error of `obj` (metadata for all kinds, the rest for built-in kinds)."""
    meta = _mapping(obj.get("metadata"))
    errs = metadata(group=group, kind=kind, meta=meta)
    if not builtin:
        return errs
    if (group, kind) == ("", "Secret"):
        errs += _secret(obj)
    elif (group, kind) == ("", "ConfigMap"):
        errs += _configmap(obj)
    elif (group, kind) == ("", "Service"):
        errs += _service(obj)
    elif (group, kind) == ("", "Pod"):
        errs += pods.pod_spec(obj.get("spec"), path="spec")
    elif (group, kind) in _POD_TEMPLATE_KINDS:
        spec = _mapping(obj.get("spec"))
        template = _mapping(spec.get("template"))
        claims = frozenset(str(_mapping(claim.get("metadata")).get("name"))
                           for claim in spec.get("volumeClaimTemplates") or []
                           if isinstance(claim, dict))
        errs += pods.pod_spec(template.get("spec"), path="spec.template.spec",
                              claim_templates=claims)
    elif kind == "CustomResourceDefinition":
        errs += _crd_name(obj)
    return errs
