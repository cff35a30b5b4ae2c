"""A Profile with its credentials resolved: what `kando location` and LocationDelete work from.

Kanister hands code that moves data a `param.Profile`: the CR's location, the credential read
from its Secret (a key pair, or the whole typed Secret) and `skipSSLVerify`. kando receives it as
the JSON that `{{ toJson .Profile }}` printed on its command line; functions get it from the
template params. Both shapes parse into one `ResolvedProfile` here, so the object-store adapter
and the credential rules (`credentials.py`) have one input. Object keys are computed here too,
as Kanister's `pkg/location` does (`filepath.Join(prefix, path)` with the leading `/` dropped).

Go's `encoding/json` matches field names case-insensitively and refuses a value of the wrong
type; `from_json` does the same, with messages that never quote a value (a value may be a key).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Mapping
from typing import Any

# Location types: Kanister's three, and `filestore`, kes's directory location (docs/locations.md).
S3_COMPLIANT, GCS, AZURE, KOPIA, FILESTORE = "s3Compliant", "gcs", "azure", "kopia", "filestore"
KEY_PAIR, SECRET = "keyPair", "secret"


class ProfileError(Exception):
    """The Profile cannot be read or used; `str()` is the message kando or the phase shows."""


@dataclasses.dataclass(frozen=True)
class Location:
    type: str = ""
    bucket: str = ""
    endpoint: str = ""
    prefix: str = ""
    region: str = ""


@dataclasses.dataclass(frozen=True)
class KeyPair:
    id: str
    secret: str


@dataclasses.dataclass(frozen=True)
class CredentialSecret:
    """A Secret named by a `secret` credential, its data decoded to bytes."""

    name: str = ""
    namespace: str = ""
    type: str = ""
    data: Mapping[str, bytes] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_api(cls, obj: Mapping[str, Any]) -> CredentialSecret:
        """From a Secret as the API returns it (base64 `data`; `stringData` if not yet merged)."""
        meta = obj.get("metadata") or {}
        data = {k: base64.b64decode(v) for k, v in (obj.get("data") or {}).items()}
        data.update({k: str(v).encode() for k, v in (obj.get("stringData") or {}).items()})
        return cls(
            name=str(meta.get("name", "")),
            namespace=str(meta.get("namespace", "")),
            type=str(obj.get("type") or "Opaque"),
            data=data,
        )

    def text(self, key: str) -> str:
        return self.data.get(key, b"").decode(errors="replace")


@dataclasses.dataclass(frozen=True)
class Credential:
    type: str = ""
    key_pair: KeyPair | None = None
    secret: CredentialSecret | None = None


@dataclasses.dataclass(frozen=True)
class ResolvedProfile:
    location: Location = dataclasses.field(default_factory=Location)
    credential: Credential = dataclasses.field(default_factory=Credential)
    skip_ssl_verify: bool = False

    def secret_values(self) -> list[str | bytes]:
        """Every credential value, for masking what is printed or recorded."""
        found: list[str | bytes] = []
        if self.credential.key_pair is not None:
            found += [self.credential.key_pair.id, self.credential.key_pair.secret]
        if self.credential.secret is not None:
            found += [v for v in self.credential.secret.data.values() if v]
        return [v for v in found if v]


# --- from `{{ toJson .Profile }}` (kando's --profile) ---------------------------------------


def from_json(text: str) -> ResolvedProfile:
    """Parse kando's `--profile` as Go's `json.Unmarshal` into `param.Profile` would."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(f"failed to unmarshal profile: {exc.msg} at offset {exc.pos}") from None
    if raw is None:
        return ResolvedProfile()
    obj = _object(raw, "Profile", "")
    location = _object(_field(obj, "Location"), "Profile", "Location")
    credential = _object(_field(obj, "Credential"), "Profile", "Credential")
    return ResolvedProfile(
        location=Location(
            **{f: _string(_field(location, f), "Location", f) for f in _LOCATION_FIELDS}
        ),
        credential=_credential_from_json(credential),
        skip_ssl_verify=_bool(_field(obj, "SkipSSLVerify"), "Profile", "SkipSSLVerify"),
    )


_LOCATION_FIELDS = ("type", "bucket", "endpoint", "prefix", "region")


def _credential_from_json(obj: Mapping[str, Any]) -> Credential:
    pair = _field(obj, "KeyPair")
    key_pair = None
    if pair is not None:
        pair = _object(pair, "Credential", "KeyPair")
        key_pair = KeyPair(
            id=_string(_field(pair, "ID"), "KeyPair", "ID"),
            secret=_string(_field(pair, "Secret"), "KeyPair", "Secret"),
        )
    secret_obj = _field(obj, "Secret")
    secret = None
    if secret_obj is not None:
        secret_obj = _object(secret_obj, "Credential", "Secret")
        # Go nests name and namespace under `metadata`; older kes renders put them on top.
        meta = _object(_field(secret_obj, "metadata") or secret_obj, "Secret", "metadata")
        data: dict[str, bytes] = {}
        for key, value in _object(_field(secret_obj, "data"), "Secret", "data").items():
            try:
                data[key] = base64.b64decode(_string(value, "Secret", "data"), validate=True)
            except binascii.Error:
                raise ProfileError(
                    f"failed to unmarshal profile: illegal base64 data in Secret key {key!r}"
                ) from None
        for key, value in _object(_field(secret_obj, "stringData"), "Secret", "data").items():
            data[key] = _string(value, "Secret", "stringData").encode()
        secret = CredentialSecret(
            name=_string(_field(meta, "name"), "Secret", "name"),
            namespace=_string(_field(meta, "namespace"), "Secret", "namespace"),
            type=_string(_field(secret_obj, "type"), "Secret", "type"),
            data=data,
        )
    return Credential(
        type=_string(_field(obj, "Type"), "Credential", "Type"),
        key_pair=key_pair,
        secret=secret,
    )


def _field(obj: Mapping[str, Any], name: str) -> Any:
    if name in obj:
        return obj[name]
    for key, value in obj.items():
        if key.lower() == name.lower():
            return value
    return None


def _type_error(kind: str, struct: str, field: str, go_type: str) -> ProfileError:
    where = f"Go struct field {struct}.{field} " if field else "Go value "
    return ProfileError(
        f"failed to unmarshal profile: json: cannot unmarshal {kind} into {where}of type {go_type}"
    )


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _object(value: Any, struct: str, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _type_error(_json_kind(value), struct, field, "object")
    return value


def _string(value: Any, struct: str, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _type_error(_json_kind(value), struct, field, "string")
    return value


def _bool(value: Any, struct: str, field: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _type_error(_json_kind(value), struct, field, "bool")
    return value


# --- from the template params (functions run in the controller) -----------------------------


def from_params(profile: Mapping[str, Any] | None) -> ResolvedProfile | None:
    """From `TemplateParams.Profile` as `params.to_plain` gives it; None when no Profile."""
    if not profile:
        return None
    location = profile.get("Location") or {}
    credential = profile.get("Credential") or {}
    pair = credential.get("KeyPair")
    secret = credential.get("Secret")
    return ResolvedProfile(
        location=Location(**{f: str(location.get(f.capitalize(), "")) for f in _LOCATION_FIELDS}),
        credential=Credential(
            type=str(credential.get("Type", "")),
            key_pair=KeyPair(id=str(pair["ID"]), secret=str(pair["Secret"])) if pair else None,
            secret=(
                CredentialSecret(
                    name=str(secret.get("Name", "")),
                    namespace=str(secret.get("Namespace", "")),
                    type=str(secret.get("Type", "")),
                    data={k: bytes(v) for k, v in (secret.get("Data") or {}).items()},
                )
                if secret
                else None
            ),
        ),
        skip_ssl_verify=bool(profile.get("SkipSSLVerify", False)),
    )


# --- object keys, as Kanister's pkg/location computes them ----------------------------------


def go_clean(path: str) -> str:
    """Go's `path.Clean`: one slash between names, no `.`, `..` resolved, `/..` is `/`."""
    if not path:
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append(part)
            continue
        parts.append(part)
    cleaned = "/".join(parts)
    if rooted:
        return "/" + cleaned
    return cleaned or "."


def go_join(*elements: str) -> str:
    """Go's `filepath.Join` on Linux: non-empty elements joined with `/`, then cleaned."""
    kept = [e for e in elements if e]
    return go_clean("/".join(kept)) if kept else ""


def object_key(prefix: str, path: str) -> str:
    """The key `kando location push/pull` uses: `filepath.Join(prefix, path)`, no leading `/`.

    An empty prefix and path give an empty key, which every store refuses.
    """
    joined = go_join(prefix, path)
    if not joined:
        return ""
    return go_clean("/" + joined)[1:]


def delete_prefix(prefix: str, path: str) -> str:
    """The key prefix `kando location delete` and LocationDelete remove everything under.

    As in Kanister, this is a plain string prefix (`a/b` also removes `a/bc`), and an empty
    prefix and path remove every object of the bucket.
    """
    return go_clean("/" + go_join(prefix, path))[1:]
