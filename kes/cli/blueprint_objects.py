"""The Secrets, ConfigMaps and Profile a dry run uses, supplied as files instead of fetched.

`kes blueprint render` finds Secret and ConfigMap objects by namespace and name in what the user
passed (`--secrets-file`), as the controller would in the cluster, and resolves a Profile's
credentials the same way; every secret value met on the way is collected for masking.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
from collections.abc import Mapping
from typing import Any, Protocol

from kes.domain import credentials, params, resources
from kes.domain import profiles as domain_profiles
from kes.domain.templates import values


class Supplied(Protocol):
    """What the builders here read from the render's inputs."""

    @property
    def pool(self) -> Pool: ...

    @property
    def secret_refs(self) -> dict[str, tuple[str, str]]: ...

    @property
    def config_map_refs(self) -> dict[str, tuple[str, str]]: ...

    @property
    def secret_data(self) -> dict[str, dict[str, str]]: ...

    @property
    def profile(self) -> dict[str, Any] | None: ...


class OfflineError(Exception):
    """An input of the dry run is missing or malformed; the message says which and why."""


@dataclasses.dataclass
class Pool:
    """Secrets and ConfigMaps the user supplied, found by namespace and name as the API would."""

    objects: dict[tuple[str, str, str], dict[str, Any]] = dataclasses.field(default_factory=dict)

    def add(self, obj: Mapping[str, Any], *, source: str) -> None:
        kind = str(obj.get("kind", ""))
        if kind not in ("Secret", "ConfigMap"):
            raise OfflineError(f"{source}: expected Secret or ConfigMap objects, got kind {kind!r}")
        meta = obj.get("metadata") or {}
        if not isinstance(meta, Mapping) or not meta.get("name"):
            raise OfflineError(f"{source}: a {kind} without metadata.name")
        key = (kind, str(meta.get("namespace") or "default"), str(meta["name"]))
        self.objects[key] = dict(obj)

    def get(self, *, kind: str, namespace: str, name: str, why: str) -> dict[str, Any]:
        found = self.objects.get((kind, namespace or "default", name))
        if found is None:
            raise OfflineError(
                f'{kind} "{namespace}/{name}" ({why}) is not among the supplied objects: '
                f"add it to --secrets-file"
            )
        return found

    def secret_values(self) -> list[bytes | str]:
        found: list[bytes | str] = []
        for (kind, _, _), obj in self.objects.items():
            if kind == "Secret":
                found.extend(secret_data(obj).values())
        return found


def secret_data(obj: Mapping[str, Any]) -> dict[str, bytes | str]:
    data: dict[str, bytes | str] = {}
    for key, value in (obj.get("data") or {}).items():
        try:
            data[str(key)] = base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            raise OfflineError(f"Secret data key {key!r} is not valid base64") from None
    for key, value in (obj.get("stringData") or {}).items():
        data[str(key)] = str(value)
    return data


def secret_object(spec: Mapping[str, Any], *, ref: str) -> dict[str, Any]:
    """A Secret API object from a params-file entry: an API object, or Go's `Data` in plain text."""
    if "Data" in spec:
        data = spec.get("Data") or {}
        return {"metadata": {"name": ref}, "stringData": {str(k): str(v) for k, v in data.items()}}
    return dict(spec)


def secrets(
    given: Mapping[str, Any], inputs: Supplied, collected: list[bytes | str]
) -> dict[str, values.GoStruct]:
    objects: dict[str, dict[str, Any]] = {}
    for ref, spec in (mapping(given, "Secrets") or {}).items():
        objects[str(ref)] = secret_object(spec or {}, ref=str(ref))
    for ref, (namespace, name) in inputs.secret_refs.items():
        objects[ref] = inputs.pool.get(
            kind="Secret", namespace=namespace, name=name, why=f"--secret {ref}"
        )
    for ref, data in inputs.secret_data.items():
        obj = objects.setdefault(ref, {"metadata": {"name": ref}})
        obj["stringData"] = {**(obj.get("stringData") or {}), **data}
    for obj in objects.values():
        collected.extend(secret_data(obj).values())
    return {ref: params.secret(obj) for ref, obj in objects.items()}


def config_maps(given: Mapping[str, Any], inputs: Supplied) -> dict[str, values.GoStruct]:
    objects: dict[str, dict[str, Any]] = {}
    for ref, spec in (mapping(given, "ConfigMaps") or {}).items():
        spec = spec or {}
        objects[str(ref)] = {"data": spec["Data"]} if "Data" in spec else dict(spec)
    for ref, (namespace, name) in inputs.config_map_refs.items():
        objects[ref] = inputs.pool.get(
            kind="ConfigMap", namespace=namespace, name=name, why=f"--config-map {ref}"
        )
    return {ref: params.config_map(obj) for ref, obj in objects.items()}


def profile(
    given: Mapping[str, Any], inputs: Supplied, collected: list[bytes | str]
) -> values.GoStruct | None:
    if inputs.profile is not None:
        return profile_resource(inputs.profile, inputs.pool, collected)
    spec = mapping(given, "Profile")
    if spec is None:
        return None
    if "Location" not in spec and "Credential" not in spec:
        return profile_resource(dict(spec), inputs.pool, collected)
    # Go field names, as `toJson .Profile` prints them; credentials given in plain text.
    location = {k.lower(): v for k, v in (spec.get("Location") or {}).items()}
    credential = spec.get("Credential") or {}
    pair = credential.get("KeyPair")
    key_pair = (str(pair.get("ID", "")), str(pair.get("Secret", ""))) if pair else None
    if key_pair is not None:
        collected.extend(v for v in key_pair if v)
    return params.profile(
        spec={
            "location": location,
            "credential": {"type": credential.get("Type", "")},
            "skipSSLVerify": bool(spec.get("SkipSSLVerify", False)),
        },
        key_pair=key_pair,
        credential_secret=None,
    )


def profile_resource(
    obj: dict[str, Any], pool: Pool, collected: list[bytes | str]
) -> values.GoStruct:
    """A Profile resource whose credential Secret is among the supplied objects."""
    try:
        profile = resources.parse_as(resources.Profile, obj)
    except resources.ResourceError as error:
        raise OfflineError("profile: " + "; ".join(error.problems)) from None
    spec = resources.to_object(profile)
    credential = profile.credential
    key_pair: tuple[str, str] | None = None
    credential_secret: values.GoStruct | None = None
    if credential.type == "keyPair" and credential.key_pair is not None:
        ref = credential.key_pair.secret
        secret = pool.get(
            kind="Secret",
            namespace=ref.namespace,
            name=ref.name,
            why="the Profile's keyPair secret",
        )
        data = secret_data(secret)
        collected.extend(data.values())
        decoded = domain_profiles.CredentialSecret(
            name=ref.name,
            namespace=ref.namespace,
            data={k: v if isinstance(v, bytes) else str(v).encode() for k, v in data.items()},
        )
        try:
            found = credentials.key_pair(
                decoded,
                id_field=credential.key_pair.id_field,
                secret_field=credential.key_pair.secret_field,
            )
        except credentials.CredentialError as exc:
            raise OfflineError(str(exc)) from None
        key_pair = (found.id, found.secret)
    elif credential.type == "secret" and credential.secret is not None:
        ref = credential.secret
        secret = pool.get(
            kind="Secret",
            namespace=ref.namespace,
            name=ref.name,
            why="the Profile's credential secret",
        )
        collected.extend(secret_data(secret).values())
        credential_secret = params.secret(secret)
    return params.profile(spec=spec, key_pair=key_pair, credential_secret=credential_secret)


def mapping(given: Mapping[str, Any], key: str) -> Mapping[str, Any] | None:
    """A params-file field that must be a mapping when present."""
    value = given.get(key)
    if value is not None and not isinstance(value, Mapping):
        raise OfflineError(f"params file: {key} must be a mapping")
    return value
