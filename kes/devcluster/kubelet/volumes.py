"""Pod volumes as host directories, and the mounts that put them at their mountPaths.

PVC volumes are directories under `<data dir>/volumes/<volumeName>` (the PVC controller names the
volume `pvc-<uid>`), so data outlives the pod. emptyDir, secret and configMap volumes live under
the pod's own directory and go with it. hostPath is the host path itself, by definition.
emptyDir and new PVC directories are world-writable (0777), as the kubelet's emptyDir and the
local-path provisioners make them, so a container of any user can write there; the pod's fsGroup
then owns them (security.own_volume).
"""

from __future__ import annotations

import base64
import pathlib
from typing import Any

from kes.devcluster import objectapi
from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import environment, sandbox, security

PVCS: store_mod.ResourceKey = ("", "v1", "persistentvolumeclaims")
_SHARED_MODE = 0o777
# Volume kinds whose ownership fsGroup changes (hostPath keeps the host's).
_OWNED = ("emptyDir", "persistentVolumeClaim", "secret", "configMap", "downwardAPI", "projected")


def _shared_directory(path: pathlib.Path) -> None:
    """Create `path` world-writable (umask aside); an existing one keeps its mode."""
    if path.is_dir():
        return
    path.mkdir(parents=True)
    path.chmod(_SHARED_MODE)


def pvc_directory(*, data_dir: pathlib.Path, claim: dict[str, Any]) -> pathlib.Path:
    volume = claim.get("spec", {}).get("volumeName") or f"pvc-{claim['metadata']['uid']}"
    return data_dir / "volumes" / volume


def _write_files(
    *, target: pathlib.Path, files: dict[str, bytes], items: list[dict[str, Any]] | None,
    mode: int,
) -> None:
    target.mkdir(parents=True, exist_ok=True)
    chosen = {i["key"]: (i["path"], i.get("mode", mode)) for i in items} if items else {
        key: (key, mode) for key in files}
    for key, (rel, file_mode) in chosen.items():
        if key not in files:
            continue
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[key])
        path.chmod(file_mode)


async def _keyed_files(
    *, api: objectapi.NodeApi, key: store_mod.ResourceKey, namespace: str, name: str,
    optional: bool, kind: str,
) -> dict[str, bytes]:
    try:
        obj = await api.get(key, namespace=namespace, name=name)
    except store_mod.NotFoundError as exc:
        if optional:
            return {}
        raise environment.ConfigError(f'{kind} "{name}" not found') from exc
    if key == environment.SECRETS:
        return {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
    files = {k: v.encode() for k, v in (obj.get("data") or {}).items()}
    files.update({k: base64.b64decode(v) for k, v in (obj.get("binaryData") or {}).items()})
    return files


def _downward(*, pod: dict[str, Any], spec: dict[str, Any]) -> dict[str, bytes]:
    return {item["path"]: environment.field_value(
        pod=pod, path=item["fieldRef"]["fieldPath"]).encode()
        for item in spec.get("items") or [] if "fieldRef" in item}


async def _project(
    *, api: objectapi.NodeApi, pod: dict[str, Any], spec: dict[str, Any],
    target: pathlib.Path, data_dir: pathlib.Path,
) -> None:
    """A projected volume: secrets, configMaps, downward API and the service account token
    merged into one directory."""
    namespace = pod["metadata"].get("namespace", "default")
    mode = int(spec.get("defaultMode", 0o644))
    target.mkdir(parents=True, exist_ok=True)
    for source in spec.get("sources") or []:
        if "secret" in source or "configMap" in source:
            is_secret = "secret" in source
            ref = source.get("secret") or source["configMap"]
            files = await _keyed_files(
                api=api, key=environment.SECRETS if is_secret else environment.CONFIGMAPS,
                namespace=namespace, name=ref.get("name", ""),
                optional=bool(ref.get("optional")), kind="secret" if is_secret else "configmap")
            _write_files(target=target, files=files, items=ref.get("items"), mode=mode)
        elif "downwardAPI" in source:
            _write_files(target=target, files=_downward(pod=pod, spec=source["downwardAPI"]),
                         items=None, mode=mode)
        elif "serviceAccountToken" in source:
            request = source["serviceAccountToken"]
            try:
                token = await api.service_account_token(
                    pod=pod, audience=request.get("audience"),
                    expiration_seconds=int(request.get("expirationSeconds", 3600)))
            except store_mod.StoreError as exc:
                raise environment.ConfigError(
                    f"failed to fetch token: {exc.message}") from exc
            _write_files(target=target, files={request["path"]: token or b""},
                         items=None, mode=0o600)


async def prepare(
    *, api: objectapi.NodeApi, pod: dict[str, Any], pod_dir: pathlib.Path,
    data_dir: pathlib.Path,
) -> dict[str, pathlib.Path]:
    """Create every volume of `pod` on the host; volume name → host path."""
    namespace = pod["metadata"].get("namespace", "default")
    paths: dict[str, pathlib.Path] = {}
    for volume in pod.get("spec", {}).get("volumes") or []:
        name = volume["name"]
        own = pod_dir / "volumes" / name
        if "emptyDir" in volume:
            _shared_directory(own)
            paths[name] = own
        elif "hostPath" in volume:
            host = pathlib.Path(volume["hostPath"]["path"])
            kind = volume["hostPath"].get("type", "")
            if kind == "DirectoryOrCreate":
                host.mkdir(parents=True, exist_ok=True)
            elif kind == "FileOrCreate" and not host.exists():
                host.parent.mkdir(parents=True, exist_ok=True)
                host.touch()
            elif kind == "Directory" and not host.is_dir():
                raise environment.ConfigError(
                    f"hostPath type check failed: {host} is not a directory")
            paths[name] = host
        elif "persistentVolumeClaim" in volume:
            claim_name = volume["persistentVolumeClaim"]["claimName"]
            try:
                claim = await api.get(PVCS, namespace=namespace, name=claim_name)
            except store_mod.NotFoundError as exc:
                raise environment.ConfigError(
                    f'persistentvolumeclaim "{claim_name}" not found') from exc
            directory = pvc_directory(data_dir=data_dir, claim=claim)
            _shared_directory(directory)
            paths[name] = directory
        elif "secret" in volume or "configMap" in volume:
            spec = volume.get("secret") or volume["configMap"]
            is_secret = "secret" in volume
            files = await _keyed_files(
                api=api, key=environment.SECRETS if is_secret else environment.CONFIGMAPS,
                namespace=namespace, name=spec.get("secretName") or spec.get("name", ""),
                optional=bool(spec.get("optional")), kind="secret" if is_secret else "configmap",
            )
            _write_files(target=own, files=files, items=spec.get("items"),
                         mode=int(spec.get("defaultMode", 0o644)))
            paths[name] = own
        elif "downwardAPI" in volume:
            _write_files(target=own, files=_downward(pod=pod, spec=volume["downwardAPI"]),
                         items=None, mode=0o644)
            paths[name] = own
        elif "projected" in volume:
            await _project(api=api, pod=pod, spec=volume["projected"], target=own,
                           data_dir=data_dir)
            paths[name] = own
        else:
            kinds = sorted(set(volume) - {"name"})
            raise environment.ConfigError(
                f'volume "{name}" has an unsupported source ({", ".join(kinds)})')
    _apply_fs_group(pod=pod, paths=paths)
    return paths


def _apply_fs_group(*, pod: dict[str, Any], paths: dict[str, pathlib.Path]) -> None:
    gid, on_mismatch = security.fs_group(pod)
    if gid is None:
        return
    shared_readonly = readonly(pod=pod)
    for volume in pod.get("spec", {}).get("volumes") or []:
        if volume["name"] in paths and any(kind in volume for kind in _OWNED):
            security.own_volume(paths[volume["name"]], gid=gid,
                                read_only=volume["name"] in shared_readonly,
                                on_mismatch=on_mismatch)


def mounts(
    *, container: dict[str, Any], volume_paths: dict[str, pathlib.Path], readonly_volumes: set[str]
) -> list[sandbox.Mount]:
    """The binds for one container's volumeMounts (subPath included)."""
    out = []
    for mount in container.get("volumeMounts") or []:
        name = mount["name"]
        if name not in volume_paths:
            raise environment.ConfigError(f'volume "{name}" not found in pod spec')
        source = volume_paths[name]
        if mount.get("subPath"):
            source = source / mount["subPath"]
            if not source.exists():
                source.mkdir(parents=True, exist_ok=True)
        out.append(sandbox.Mount(
            source=source, target=mount["mountPath"],
            read_only=bool(mount.get("readOnly")) or name in readonly_volumes,
        ))
    return out


def readonly(*, pod: dict[str, Any]) -> set[str]:
    """Volumes that are read-only for every container (secrets, configMaps, readOnly claims)."""
    names = set()
    for volume in pod.get("spec", {}).get("volumes") or []:
        if {"secret", "configMap", "downwardAPI", "projected"} & set(volume) or (
            volume.get("persistentVolumeClaim", {}).get("readOnly")
        ):
            names.add(volume["name"])
    return names
