"""Assemble Kanister's TemplateParams for one action, and the phase objects as each phase starts.

Reads go through the Kubernetes adapter; the shapes come from `kes.domain.params`. Every secret
value that goes into the params is also collected, so the executor can mask it out of anything it
records (DESIGN rule 4). Error messages are Kanister's (reference/kanister.md section 2.1).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kes.adapters.k8s import client, customresources, errors, objects, workloads
from kes.controller import caching
from kes.domain import credentials, params
from kes.domain import profiles as domain_profiles
from kes.domain.templates import values

# kind (lower case) → (group, version, resource) for the object kinds Kanister knows by name
_KNOWN_KINDS = {
    "statefulset": ("apps", "v1", "statefulsets"),
    "deployment": ("apps", "v1", "deployments"),
    "deploymentconfig": ("apps.openshift.io", "v1", "deploymentconfigs"),
    "pvc": ("", "v1", "persistentvolumeclaims"),
    "namespace": ("", "v1", "namespaces"),
}


class ParamsError(Exception):
    """The params of an action could not be assembled (missing object, secret, profile…)."""


@dataclass
class ActionParams:
    """The TemplateParams of one action, plus the secret values they contain."""

    template: values.GoStruct
    secrets: list[bytes | str] = field(default_factory=list)

    def add_phase(self, name: str, phase: values.GoStruct) -> None:
        phases = values.TypedMap(
            dict(self.template.field("Phases")), elem_type="*param.Phase", zero=None
        )
        phases[name] = phase
        self.template = params.with_fields(self.template, Phases=phases)

    def set_defer_phase(self, phase: values.GoStruct) -> None:
        self.template = params.with_fields(self.template, DeferPhase=phase)


def _group_version(object_ref: Mapping[str, Any]) -> tuple[str, str, str]:
    kind = str(object_ref.get("kind", "")).lower()
    if kind in _KNOWN_KINDS:
        return _KNOWN_KINDS[kind]
    return (
        str(object_ref.get("group", "")),
        str(object_ref.get("apiVersion", "")),
        str(object_ref.get("resource", "")),
    )


def fetch_object(api: client.Api, object_ref: Mapping[str, Any]) -> dict[str, Any]:
    """The action's object as Kanister's dynamic client fetches it, with Kanister's wrapping.

    A Namespace object is looked up by `name` (Kanister's `FetchUnstructuredObjectWithCli`
    with an empty namespace); an empty name is client-go's "name is required".
    """
    group, version, resource = _group_version(object_ref)
    name = str(object_ref.get("name", ""))
    namespace = "" if resource == "namespaces" else str(object_ref.get("namespace", ""))
    try:
        if not name:
            raise errors.ApiError("name is required")
        return objects.get(
            api, group=group, version=version, resource=resource, namespace=namespace, name=name
        )
    except errors.ApiError as exc:
        raise ParamsError(
            f"could not fetch object name: {name}, namespace: {namespace}, group: {group}, "
            f"version: {version}, resource: {resource}: {exc}"
        ) from exc


def _typed_get(api: client.Api, *, kind: str, namespace: str, name: str) -> dict[str, Any]:
    """A typed client-go Get (Deployments().Get …): its error is the bare API error."""
    group, version, resource = _KNOWN_KINDS[kind]
    if not name:
        raise ParamsError("resource name may not be empty")  # client-go's request check
    try:
        return objects.get(
            api, group=group, version=version, resource=resource, namespace=namespace, name=name
        )
    except errors.ApiError as exc:
        raise ParamsError(str(exc)) from exc


def _workload_params(api: client.Api, *, kind: str, obj: dict[str, Any]) -> values.GoStruct:
    meta = obj["metadata"]
    name, namespace = meta["name"], meta["namespace"]
    running = workloads.running_pods(api, kind=kind, namespace=namespace, name=name)
    pod_names = [p["metadata"]["name"] for p in running]
    containers = [
        [c["name"] for c in (p.get("status", {}).get("containerStatuses") or [])] for p in running
    ]
    template_spec = obj.get("spec", {}).get("template", {}).get("spec", {})
    claim_mounts = _claim_mounts(template_spec)
    pvcs: dict[str, dict[str, str]] = {}
    for pod in running:
        pod_name = pod["metadata"]["name"]
        claims: dict[str, str] = {}
        for volume in pod.get("spec", {}).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim and volume["name"] in claim_mounts:
                claims[claim] = claim_mounts[volume["name"]]
        for template in obj.get("spec", {}).get("volumeClaimTemplates") or []:
            claim_name = template["metadata"]["name"]
            if claim_name in claim_mounts:
                claims[f"{claim_name}-{pod_name}"] = claim_mounts[claim_name]
        pvcs[pod_name] = claims
    label = "StatefulSet" if kind == "statefulset" else "Deployment"
    return params.workload(
        kind=label, name=name, namespace=namespace, pods=pod_names, containers=containers, pvcs=pvcs
    )


def _claim_mounts(pod_spec: Mapping[str, Any]) -> dict[str, str]:
    mounts: dict[str, str] = {}
    for container in pod_spec.get("containers") or []:
        for mount in container.get("volumeMounts") or []:
            mounts.setdefault(mount["name"], mount["mountPath"])
    return mounts


def _fetch_secret(api: client.Api, ref: Mapping[str, Any]) -> dict[str, Any]:
    namespace, name = str(ref.get("namespace", "")), str(ref.get("name", ""))
    return objects.get(
        api, group="", version="v1", resource="secrets", namespace=namespace, name=name
    )


def _secret_values(secret: dict[str, Any]) -> list[bytes | str]:
    found: list[bytes | str] = []
    for value in (secret.get("data") or {}).values():
        found.append(base64.b64decode(value))
    found.extend(str(v) for v in (secret.get("stringData") or {}).values())
    return found


def _profile(
    api: client.Api,
    ref: Mapping[str, Any],
    collected: list[bytes | str],
    *,
    profiles: caching.ObjectCache,
) -> values.GoStruct:
    """Kanister's fetchProfile: errors are the bare API errors or its own sentences."""
    namespace, name = str(ref.get("namespace", "")), str(ref.get("name", ""))
    if not name:
        raise ParamsError("resource name may not be empty")
    try:
        spec = profiles.get(namespace=namespace, name=name)
    except errors.ApiError as exc:
        raise ParamsError(str(exc)) from exc
    credential = spec.get("credential") or {}
    key_pair: tuple[str, str] | None = None
    credential_secret: values.GoStruct | None = None
    kind = credential.get("type", "")
    try:
        if kind == "keyPair":
            pair = credential.get("keyPair")
            if not isinstance(pair, Mapping):
                raise ParamsError("KVSecret cannot be nil")
            secret = _checked_secret(api, pair.get("secret") or {})
            collected.extend(_secret_values(secret))
            found = credentials.key_pair(
                domain_profiles.CredentialSecret.from_api(secret),
                id_field=str(pair.get("idField", "")),
                secret_field=str(pair.get("secretField", "")),
            )
            key_pair = (found.id, found.secret)
        elif kind == "secret":
            secret_ref = credential.get("secret")
            if not isinstance(secret_ref, Mapping):
                raise ParamsError("Secret reference cannot be nil")
            try:
                secret = _fetch_secret(api, secret_ref)
            except errors.ApiError as exc:
                raise ParamsError(f"Failed to fetch the secret: {exc}") from exc
            collected.extend(_secret_values(secret))
            # Kanister checks a typed Secret's keys when it fetches it (`fetchSecretCredential`).
            credentials.validate_secret(domain_profiles.CredentialSecret.from_api(secret))
            credential_secret = params.secret(secret)
        else:
            raise ParamsError(f"CredentialType '{kind}' not supported")
    except credentials.CredentialError as exc:
        raise ParamsError(str(exc)) from None
    return params.profile(spec=spec, key_pair=key_pair, credential_secret=credential_secret)


def _repository_server(
    api: client.Api, ref: Mapping[str, Any], collected: list[bytes | str]
) -> values.GoStruct:
    """`fetchRepositoryServer`: the CR, its TLS and user-access Secrets, its Service."""
    namespace, name = str(ref.get("namespace", "")), str(ref.get("name", ""))
    try:
        server = customresources.get(
            api, resource="repositoryservers", namespace=namespace, name=name
        )
    except errors.ApiError as exc:
        raise ParamsError(f"Failed to get repository server {namespace}/{name}: {exc}") from exc
    spec = server.get("spec") or {}
    info = (server.get("status") or {}).get("serverInfo") or {}
    server_spec = spec.get("server") or {}
    tls = _checked_secret(api, server_spec.get("tlsSecretRef") or {})
    user_access = _checked_secret(
        api, (server_spec.get("userAccess") or {}).get("userAccessSecretRef") or {}
    )
    collected.extend(_secret_values(user_access))
    service_name = str(info.get("serviceName", ""))
    try:
        service = objects.get(
            api, group="", version="v1", resource="services", namespace=namespace,
            name=service_name,
        )
    except errors.ApiError as exc:
        raise ParamsError(f"Error Fetching Repository Server Service: {exc}") from exc
    port = ((service.get("spec") or {}).get("ports") or [{}])[0].get("port", 0)
    cache = (spec.get("repository") or {}).get("cacheSizeSettings") or {}
    return params.repository_server(
        name=name, namespace=namespace, pod_name=str(info.get("podName", "")),
        service_name=service_name,
        username=str((server_spec.get("userAccess") or {}).get("username", "")),
        server_tls=params.secret(tls), server_user_access=params.secret(user_access),
        address=f"https://{service_name}.{namespace}.svc.cluster.local:{port}",
        content_cache_mb=int(cache["content"]) if cache.get("content") is not None
        else _env_int("DATA_STORE_GENERAL_CONTENT_CACHE_SIZE_MB", 0),
        metadata_cache_mb=int(cache["metadata"]) if cache.get("metadata") is not None
        else _env_int("DATA_STORE_GENERAL_METADATA_CACHE_SIZE_MB", 500),
    )


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _checked_secret(api: client.Api, ref: Mapping[str, Any]) -> dict[str, Any]:
    if not ref.get("name"):
        raise ParamsError("resource name may not be empty")
    try:
        return _fetch_secret(api, ref)
    except errors.ApiError as exc:
        raise ParamsError(str(exc)) from exc


def _named_objects(
    api: client.Api, refs: Mapping[str, Any] | None, *, kind: str, collected: list[bytes | str]
) -> dict[str, values.GoStruct]:
    """Kanister's fetchSecrets / fetchConfigMaps: a failure is the bare API error."""
    found: dict[str, values.GoStruct] = {}
    for key, ref in (refs or {}).items():
        if not isinstance(ref, Mapping):
            raise ParamsError(f"{kind} reference {key!r} must be an object reference")
        namespace, name = str(ref.get("namespace", "")), str(ref.get("name", ""))
        if not name:
            raise ParamsError("resource name may not be empty")
        resource = "secrets" if kind == "secret" else "configmaps"
        try:
            obj = objects.get(
                api, group="", version="v1", resource=resource, namespace=namespace, name=name
            )
        except errors.ApiError as exc:
            raise ParamsError(str(exc)) from exc
        if kind == "secret":
            collected.extend(_secret_values(obj))
            found[key] = params.secret(obj)
        else:
            found[key] = params.config_map(obj)
    return found


def for_action(
    api: client.Api,
    *,
    action: Mapping[str, Any],
    profiles: caching.ObjectCache,
    now: dt.datetime | None = None,
) -> ActionParams:
    """`param.New` of Kanister: everything an action's templates may read, fetched once.

    Same order as Kanister (Secrets, ConfigMaps, Profile, then the object), so the first
    missing thing is the one reported, with Kanister's text: a typed Get's bare error for the
    known workload kinds, the wrapped dynamic-client error for the others.
    """
    collected: list[bytes | str] = []
    secrets = _named_objects(api, action.get("secrets"), kind="secret", collected=collected)
    config_maps = _named_objects(
        api, action.get("configMaps"), kind="configmap", collected=collected
    )
    fields: dict[str, Any] = {}
    if action.get("profile"):
        fields["Profile"] = _profile(api, action["profile"], collected, profiles=profiles)
    if action.get("repositoryServer"):
        fields["RepositoryServer"] = _repository_server(api, action["repositoryServer"], collected)
    object_ref = action.get("object") or {}
    kind = str(object_ref.get("kind", "")).lower()
    name = str(object_ref.get("name", ""))
    namespace = str(object_ref.get("namespace", ""))
    if kind in ("statefulset", "deployment", "pvc", "deploymentconfig"):
        obj = _typed_get(api, kind=kind, namespace=namespace, name=name)
    else:
        obj = fetch_object(api, object_ref)
    try:
        if kind in ("statefulset", "deployment"):
            fields["StatefulSet" if kind == "statefulset" else "Deployment"] = _workload_params(
                api, kind=kind, obj=obj
            )
        elif kind == "pvc":
            fields["PVC"] = params.name_and_namespace(kind="PVC", name=name, namespace=namespace)
        elif kind == "namespace":
            # kes departs here: Kanister takes both from object.namespace (often empty).
            ns_name = namespace or name
            fields["Namespace"] = params.name_and_namespace(
                kind="Namespace", name=ns_name, namespace=ns_name
            )
    except errors.ApiError as exc:
        raise ParamsError(f"Failed to get {kind} pods: {exc}") from exc
    fields["Object"] = obj
    fields["Secrets"] = values.TypedMap(secrets, elem_type="v1.Secret", zero=None)
    fields["ConfigMaps"] = values.TypedMap(config_maps, elem_type="v1.ConfigMap", zero=None)
    moment = now or dt.datetime.now(dt.UTC)
    fields["Time"] = params.rfc3339_nano(moment)
    fields["ArtifactsIn"] = params.artifacts(action.get("artifacts"))
    fields["Options"] = values.TypedMap(
        {k: str(v) for k, v in (action.get("options") or {}).items()}
    )
    fields["PodOverride"] = dict(action.get("podOverride") or {})
    fields["PodLabels"] = values.TypedMap(dict(action.get("podLabels") or {}))
    fields["PodAnnotations"] = values.TypedMap(dict(action.get("podAnnotations") or {}))
    return ActionParams(template=params.template_params(**fields), secrets=collected)


def phase_objects(
    api: client.Api, *, object_refs: Mapping[str, Any] | None, collected: list[bytes | str]
) -> values.GoStruct:
    """`InitPhaseParams`: a phase's `objects` of kind Secret/ConfigMap, fetched as it starts."""
    secrets: dict[str, Any] = {}
    config_maps: dict[str, Any] = {}
    for key, ref in (object_refs or {}).items():
        kind = str(ref.get("kind", "")).lower()
        if kind == "secret":
            secrets[key] = ref
        elif kind == "configmap":
            config_maps[key] = ref
    return params.phase(
        secrets=_named_objects(api, secrets, kind="secret", collected=collected),
        config_maps=_named_objects(api, config_maps, kind="configmap", collected=collected),
    )
