"""Kanister's TemplateParams, built from API objects as the Go structs templates see.

Kanister passes a Go struct (`param.TemplateParams`) as the template's dot, and that is
observable: fields are read by Go name (`.StatefulSet.Pods`), a missing struct field is a
different error from a missing map key, typed maps index to their zero value, and `toJson
.Profile` prints json tags. The builders here turn plain API dicts (as the adapters return them)
into `values.GoStruct`s and typed maps with the same shapes (reference/kanister.md section 2.1).
Nothing here does I/O: the controller fetches, these functions shape.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from kes.domain.templates import values

_OBJECT_META = ("Name", "Namespace", "Labels", "Annotations", "UID", "ResourceVersion")


def _meta_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = obj.get("metadata") or {}
    return {
        "Name": str(meta.get("name", "")),
        "Namespace": str(meta.get("namespace", "")),
        "Labels": values.TypedMap(meta.get("labels") or {}),
        "Annotations": values.TypedMap(meta.get("annotations") or {}),
        "UID": str(meta.get("uid", "")),
        "ResourceVersion": str(meta.get("resourceVersion", "")),
    }


def secret(obj: Mapping[str, Any]) -> values.GoStruct:
    """A corev1.Secret: `.Data` holds bytes, as the Go client decodes them."""
    data = {key: base64.b64decode(value) for key, value in (obj.get("data") or {}).items()}
    for key, value in (obj.get("stringData") or {}).items():
        data[key] = str(value).encode()
    fields = _meta_fields(obj)
    fields.update(
        {
            "Kind": str(obj.get("kind", "Secret")),
            "APIVersion": str(obj.get("apiVersion", "v1")),
            "Data": values.TypedMap(data, elem_type="[]uint8", zero=b""),
            "StringData": values.TypedMap({}),
            "Type": str(obj.get("type", "Opaque")),
        }
    )
    return values.GoStruct("v1.Secret", fields, json=_secret_json())


def _secret_json() -> dict[str, values.JsonField | str]:
    tags: dict[str, values.JsonField | str] = {
        "Kind": values.JsonField("kind", omitempty=True),
        "APIVersion": values.JsonField("apiVersion", omitempty=True),
        "Data": values.JsonField("data", omitempty=True),
        "StringData": values.JsonField("stringData", omitempty=True),
        "Type": values.JsonField("type", omitempty=True),
    }
    for name in _OBJECT_META:
        tags[name] = values.JsonField(name[0].lower() + name[1:], omitempty=True)
    return tags


def config_map(obj: Mapping[str, Any]) -> values.GoStruct:
    fields = _meta_fields(obj)
    fields.update(
        {
            "Kind": str(obj.get("kind", "ConfigMap")),
            "APIVersion": str(obj.get("apiVersion", "v1")),
            "Data": values.TypedMap(obj.get("data") or {}),
            "BinaryData": values.TypedMap(
                {k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()},
                elem_type="[]uint8",
                zero=b"",
            ),
        }
    )
    return values.GoStruct("v1.ConfigMap", fields)


def workload(
    *,
    kind: str,
    name: str,
    namespace: str,
    pods: Sequence[str],
    containers: Sequence[Sequence[str]],
    pvcs: Mapping[str, Mapping[str, str]],
) -> values.GoStruct:
    """StatefulSetParams / DeploymentParams (same shape in Kanister)."""
    return values.GoStruct(
        f"param.{kind}Params",
        {
            "Name": name,
            "Namespace": namespace,
            "Pods": values.TypedList(pods),
            "Containers": values.TypedList(
                [values.TypedList(c) for c in containers], elem_type="[]string"
            ),
            "PersistentVolumeClaims": values.TypedMap(
                {pod: values.TypedMap(dict(claims)) for pod, claims in pvcs.items()},
                elem_type="map[string]string",
                zero=values.TypedMap({}),
            ),
        },
        pointer=True,
    )


def name_and_namespace(*, kind: str, name: str, namespace: str) -> values.GoStruct:
    """PVCParams and NamespaceParams."""
    return values.GoStruct(
        f"param.{kind}Params", {"Name": name, "Namespace": namespace}, pointer=True
    )


def artifact(spec: Mapping[str, Any]) -> values.GoStruct:
    return values.GoStruct(
        "v1alpha1.Artifact",
        {
            "KeyValue": values.TypedMap(
                {k: str(v) for k, v in (spec.get("keyValue") or {}).items()}
            ),
            "KopiaSnapshot": str(spec.get("kopiaSnapshot", "")),
        },
        json={
            "KeyValue": values.JsonField("keyValue", omitempty=True),
            "KopiaSnapshot": values.JsonField("kopiaSnapshot", omitempty=True),
        },
    )


def artifacts(specs: Mapping[str, Any] | None) -> values.TypedMap:
    return values.TypedMap(
        {name: artifact(spec or {}) for name, spec in (specs or {}).items()},
        elem_type="v1alpha1.Artifact",
        zero=artifact({}),
    )


def phase(
    *,
    secrets: Mapping[str, values.GoStruct] | None = None,
    config_maps: Mapping[str, values.GoStruct] | None = None,
    output: Mapping[str, Any] | None = None,
) -> values.GoStruct:
    """param.Phase: the phase's own objects, and its output once it ended."""
    return values.GoStruct(
        "param.Phase",
        {
            "Secrets": values.TypedMap(dict(secrets or {}), elem_type="v1.Secret", zero=None),
            "ConfigMaps": values.TypedMap(
                dict(config_maps or {}), elem_type="v1.ConfigMap", zero=None
            ),
            # A nil Go map reads like an empty one: a missing key is "not found" either way.
            "Output": dict(output or {}),
        },
        pointer=True,
    )


def profile(
    *,
    spec: Mapping[str, Any],
    key_pair: tuple[str, str] | None,
    credential_secret: values.GoStruct | None,
) -> values.GoStruct:
    """param.Profile with its credentials resolved (the caller read the secret)."""
    location = spec.get("location") or {}
    credential = spec.get("credential") or {}
    location_struct = values.GoStruct(
        "v1alpha1.Location",
        {
            "Type": str(location.get("type", "")),
            "Bucket": str(location.get("bucket", "")),
            "Endpoint": str(location.get("endpoint", "")),
            "Prefix": str(location.get("prefix", "")),
            "Region": str(location.get("region", "")),
        },
        json={k: k.lower() for k in ("Type", "Bucket", "Endpoint", "Prefix", "Region")},
    )
    key_pair_struct = (
        values.GoStruct("param.KeyPair", {"ID": key_pair[0], "Secret": key_pair[1]}, pointer=True)
        if key_pair is not None
        else None
    )
    credential_struct = values.GoStruct(
        "param.Credential",
        {
            "Type": str(credential.get("type", "")),
            "KeyPair": key_pair_struct,
            "Secret": credential_secret,
            "KopiaServerSecret": None,
        },
    )
    return values.GoStruct(
        "param.Profile",
        {
            "Location": location_struct,
            "Credential": credential_struct,
            "SkipSSLVerify": bool(spec.get("skipSSLVerify", False)),
        },
        pointer=True,
    )


def repository_server(
    *, name: str, namespace: str, pod_name: str, service_name: str, username: str,
    server_tls: values.GoStruct, server_user_access: values.GoStruct, address: str,
    content_cache_mb: int, metadata_cache_mb: int,
) -> values.GoStruct:
    """param.RepositoryServer (0.119.0): what `.RepositoryServer` templates and the kopia
    functions read; the Secrets are the server's TLS and user-access Secrets."""
    server_info = values.GoStruct(
        "v1alpha1.ServerInfo", {"PodName": pod_name, "ServiceName": service_name},
        json={"PodName": values.JsonField("podName", omitempty=True),
              "ServiceName": values.JsonField("serviceName", omitempty=True)},
    )
    credentials = values.GoStruct(
        "param.RepositoryServerCredentials",
        {"ServerTLS": server_tls, "ServerUserAccess": server_user_access},
    )
    return values.GoStruct(
        "param.RepositoryServer",
        {
            "Name": name, "Namespace": namespace, "ServerInfo": server_info,
            "Username": username, "Credentials": credentials, "Address": address,
            "ContentCacheMB": values.GoInt(content_cache_mb),
            "MetadataCacheMB": values.GoInt(metadata_cache_mb),
        },
        pointer=True,
    )


def rfc3339_nano(moment: dt.datetime) -> str:
    """`.Time`: Go's `time.Now().UTC().Format(time.RFC3339Nano)`, trailing zeros dropped."""
    moment = moment.astimezone(dt.UTC)
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def template_params(**fields: Any) -> values.GoStruct:
    """The dot of every template: param.TemplateParams with Kanister's fields, nil by default."""
    defaults: dict[str, Any] = {
        "StatefulSet": None,
        "DeploymentConfig": None,
        "Deployment": None,
        "PVC": None,
        "Namespace": None,
        "ArtifactsIn": artifacts({}),
        "ConfigMaps": values.TypedMap({}, elem_type="v1.ConfigMap", zero=None),
        "Secrets": values.TypedMap({}, elem_type="v1.Secret", zero=None),
        "Time": "",
        "Profile": None,
        "RepositoryServer": None,
        "Options": values.TypedMap({}),
        "Object": {},
        "Phases": values.TypedMap({}, elem_type="*param.Phase", zero=None),
        "DeferPhase": phase(),
        "PodOverride": {},
        "PodAnnotations": values.TypedMap({}),
        "PodLabels": values.TypedMap({}),
    }
    unknown = set(fields) - set(defaults)
    if unknown:
        raise ValueError(f"TemplateParams has no field(s) {sorted(unknown)}")
    for name, value in fields.items():
        default = defaults[name]
        # A plain dict given for a typed Go map takes that map's type (and its zero value).
        if isinstance(default, values.TypedMap) and not isinstance(value, values.TypedMap):
            value = values.TypedMap(dict(value), elem_type=default.elem_type, zero=default.zero)
        defaults[name] = value
    return values.GoStruct("param.TemplateParams", defaults)


def with_fields(params: values.GoStruct, **fields: Any) -> values.GoStruct:
    """A copy of the params with some fields replaced (phases add outputs as they end)."""
    merged = dict(params.fields)
    for name, value in fields.items():
        current = merged.get(name)
        if isinstance(current, values.TypedMap) and not isinstance(value, values.TypedMap):
            value = values.TypedMap(dict(value), elem_type=current.elem_type, zero=current.zero)
        merged[name] = value
    return values.GoStruct(params.type_name, merged, json=params.json, pointer=params.pointer)


def to_plain(value: Any) -> Any:
    """The params as plain dicts and lists (Go field names kept), for functions to read."""
    if isinstance(value, values.GoStruct):
        return {name: to_plain(field) for name, field in value.fields.items()}
    if isinstance(value, Mapping):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    return value
