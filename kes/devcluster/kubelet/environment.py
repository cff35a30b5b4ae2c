"""A container's environment: kes's helpers and the server's PATH, then envFrom, then env with
valueFrom.

Commands run on this machine: PATH starts with the helper directories every sandbox has
(`kando`, the project's tools: see helpers.py), then the server's own (`sh`, ...).
References that cannot be resolved raise `ConfigError` with the kubelet's wording; the pod then
waits in `CreateContainerConfigError`, as it would on a real node.
"""

from __future__ import annotations

import base64
import os
import re
import sys
from typing import Any

from kes.devcluster import objectapi
from kes.devcluster import store as store_mod

SECRETS: store_mod.ResourceKey = ("", "v1", "secrets")
CONFIGMAPS: store_mod.ResourceKey = ("", "v1", "configmaps")
_ENV_NAME = re.compile(r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
_REFERENCE = re.compile(r"\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)")
_PASSED_THROUGH = ("PATH", "LANG", "LC_ALL", "TZ")


class ConfigError(Exception):
    """A referenced secret, configMap or key is missing; the message names it, never a value."""


def search_path() -> str:
    """The server's PATH, plus the directory of its Python (where `kando` is installed), so
    pods find kes's helpers even when the virtualenv is not activated."""
    parts = os.environ.get("PATH", os.defpath).split(os.pathsep)
    scripts = os.path.dirname(sys.executable)
    if scripts and scripts not in parts:
        parts.append(scripts)
    return os.pathsep.join(parts)


def base(*, pod: dict[str, Any], path_first: tuple[str, ...] = ()) -> dict[str, str]:
    env = {name: os.environ[name] for name in _PASSED_THROUGH if name in os.environ}
    server = [p for p in search_path().split(os.pathsep) if p not in path_first]
    env["PATH"] = os.pathsep.join([*path_first, *server])
    env["HOSTNAME"] = pod["metadata"]["name"]
    env["HOME"] = os.environ.get("HOME", "/root")
    return env


async def _source_data(
    *, api: objectapi.NodeApi, key: store_mod.ResourceKey, namespace: str, name: str
) -> dict[str, str] | None:
    try:
        obj = await api.get(key, namespace=namespace, name=name)
    except store_mod.NotFoundError:
        return None
    if key == SECRETS:
        return {k: base64.b64decode(v).decode(errors="replace")
                for k, v in (obj.get("data") or {}).items()} | dict(obj.get("stringData") or {})
    return dict(obj.get("data") or {})


def field_value(*, pod: dict[str, Any], path: str) -> str:
    """The value of a downward-API fieldRef."""
    meta = pod.get("metadata", {})
    match = re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    simple = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": pod.get("spec", {}).get("nodeName"),
        "spec.serviceAccountName": pod.get("spec", {}).get("serviceAccountName", "default"),
        "status.podIP": "127.0.0.1",
        "status.hostIP": "127.0.0.1",
    }
    if path not in simple:
        raise ConfigError(f'unsupported fieldRef fieldPath "{path}"')
    return str(simple[path] or "")


def expand(*, value: str, env: dict[str, str]) -> str:
    """Kubernetes `$(VAR)` expansion: defined names are replaced, `$$` escapes, others stay."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _REFERENCE.sub(replace, value)


async def resolve(
    *, api: objectapi.NodeApi, pod: dict[str, Any], container: dict[str, Any],
    path_first: tuple[str, ...] = (),
) -> dict[str, str]:
    """The full environment of one container of `pod`; `path_first` leads its PATH."""
    namespace = pod["metadata"].get("namespace", "default")
    env = base(pod=pod, path_first=path_first)
    for source in container.get("envFrom") or []:
        prefix = source.get("prefix", "")
        for field, key, kind in (("configMapRef", CONFIGMAPS, "configmap"),
                                 ("secretRef", SECRETS, "secret")):
            ref = source.get(field)
            if ref is None:
                continue
            data = await _source_data(api=api, key=key, namespace=namespace, name=ref["name"])
            if data is None:
                if ref.get("optional"):
                    continue
                raise ConfigError(f'{kind} "{ref["name"]}" not found')
            env.update({prefix + k: v for k, v in data.items() if _ENV_NAME.match(prefix + k)})
    for item in container.get("env") or []:
        name = item["name"]
        if "valueFrom" not in item:
            env[name] = expand(value=str(item.get("value", "")), env=env)
            continue
        value = await _value_from(api=api, pod=pod, namespace=namespace,
                                  source=item["valueFrom"])
        if value is not None:
            env[name] = value
    return env


async def _value_from(
    *, api: objectapi.NodeApi, pod: dict[str, Any], namespace: str, source: dict[str, Any]
) -> str | None:
    if "fieldRef" in source:
        return field_value(pod=pod, path=source["fieldRef"]["fieldPath"])
    if "resourceFieldRef" in source:
        return "0"
    for field, key, kind, title in (("secretKeyRef", SECRETS, "secret", "Secret"),
                                    ("configMapKeyRef", CONFIGMAPS, "configmap", "ConfigMap")):
        ref = source.get(field)
        if ref is None:
            continue
        data = await _source_data(api=api, key=key, namespace=namespace, name=ref["name"])
        if data is None:
            if ref.get("optional"):
                return None
            raise ConfigError(f'{kind} "{ref["name"]}" not found')
        if ref["key"] not in data:
            if ref.get("optional"):
                return None
            raise ConfigError(
                f"couldn't find key {ref['key']} in {title} {namespace}/{ref['name']}")
        return data[ref["key"]]
    raise ConfigError("unsupported valueFrom source")
