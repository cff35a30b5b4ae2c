"""Use cases behind `kes profile create|validate` and `kes validate profile`, as kanctl runs them.

`validate` is kanctl's `validateProfile` (reference 5.3 and 6): the schema check, then, when the
Profile names a bucket, three live checks each printed as a stage line (`Passed the 'Validate
read access to bucket specified in profile' check.. ✅`): the bucket exists, its top level can be
listed, a `sample` object can be written and deleted. `create` is kanctl's `create profile`: it
builds the Secret and the Profile from the flags, creates the Secret, validates (the live checks
unless `--skip-validation`), deletes the Secret again if validation fails, and only then creates
the Profile. The CLI module only parses flags and prints; the cluster and the object store are
reached here, through the adapters.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable, Mapping
from typing import Any

from kes.adapters.k8s import client, objects
from kes.adapters.k8s import errors as k8s_errors
from kes.adapters.objectstore import errors as store_errors
from kes.adapters.objectstore import locations
from kes.domain import credentials, masking, profiles, resources, validation

SCHEMA = "Validate Profile schema"
REGION = "Validate bucket region specified in profile"
READ = "Validate read access to bucket specified in profile"
WRITE = "Validate write access to bucket specified in profile"
PASS, FAIL, SKIP = "✅", "❌", "🚫"

Say = Callable[[str], None]
Connect = Callable[[], client.Api]


class ProfileCommandError(Exception):
    """A profile command failed; `str()` is the message (credentials masked)."""


def stage_line(description: str, indicator: str) -> str:
    """Kanister's `utils.PrintStage` line (without its newline)."""
    verb = {PASS: "Passed", SKIP: "Skipping", FAIL: "Failed"}[indicator]
    return f"{verb} the '{description}' check.. {indicator}"


# --- resolving a Profile's credentials from the cluster --------------------------------------


def _secret(api: client.Api, ref: resources.ObjectReference) -> profiles.CredentialSecret:
    try:
        obj = objects.get(
            api, group="", version="v1", resource="secrets", namespace=ref.namespace,
            name=ref.name,
        )
    except k8s_errors.ApiError as exc:
        raise ProfileCommandError(
            f"Could not fetch the secret specified in credential: {exc}"
        ) from None
    return profiles.CredentialSecret.from_api(obj)


def resolve(api: client.Api, profile: resources.Profile) -> profiles.ResolvedProfile:
    """The Profile with its Secret read, as kanctl's `osSecretFromProfile` reads it."""
    credential = profile.credential
    if credential.type == profiles.SECRET and credential.secret is not None:
        resolved = profiles.Credential(
            type=credential.type, secret=_secret(api, credential.secret)
        )
    elif credential.type == profiles.KEY_PAIR and credential.key_pair is not None:
        pair = credential.key_pair
        try:
            found = credentials.key_pair(
                _secret(api, pair.secret), id_field=pair.id_field, secret_field=pair.secret_field
            )
        except credentials.CredentialError as exc:
            raise ProfileCommandError(str(exc)) from None
        resolved = profiles.Credential(type=credential.type, key_pair=found)
    else:
        resolved = profiles.Credential(type=credential.type)
    location = profile.location
    return profiles.ResolvedProfile(
        location=profiles.Location(
            type=location.type, bucket=location.bucket, endpoint=location.endpoint,
            prefix=location.prefix, region=location.region,
        ),
        credential=resolved,
        skip_ssl_verify=profile.skip_ssl_verify,
    )


# --- validate ----------------------------------------------------------------------------------

_LIVE_CHECKS: tuple[tuple[str, Callable[[profiles.ResolvedProfile], None]], ...] = (
    (REGION, locations.check_bucket),
    (READ, locations.check_read),
    (WRITE, locations.check_write),
)


def validate(
    connect: Connect,
    profile: resources.Profile,
    *,
    schema_only: bool,
    say: Say,
    failures_only: bool = False,
) -> None:
    """kanctl's `validateProfile`; raises ProfileCommandError at the first failed stage."""
    try:
        validation.validate_profile(profile)
    except validation.ValidationError as exc:
        say(stage_line(SCHEMA, FAIL))
        raise ProfileCommandError(str(exc)) from None
    if not failures_only:
        say(stage_line(SCHEMA, PASS))
    if profile.location.bucket:
        resolved: profiles.ResolvedProfile | None = None
        for description, check in _LIVE_CHECKS:
            if schema_only:
                if not failures_only:
                    say(stage_line(description, SKIP))
                continue
            try:
                resolved = resolved or resolve(connect(), profile)
                check(resolved)
            except (store_errors.ObjectStoreError, profiles.ProfileError, ProfileCommandError,
                    k8s_errors.ApiError) as exc:
                say(stage_line(description, FAIL))
                values = resolved.secret_values() if resolved else []
                raise ProfileCommandError(masking.mask(str(exc), secrets=values)) from None
            if not failures_only:
                say(stage_line(description, PASS))
    if not failures_only:
        say(f"All checks passed.. {PASS}\n")


def validate_named(
    connect: Connect, *, name: str, namespace: str, schema_only: bool, say: Say
) -> None:
    """`validate --name`: the Profile as the cluster has it."""
    api = connect()
    try:
        obj = objects.get(
            api, group=resources.API_GROUP, version=resources.API_VERSION, resource="profiles",
            namespace=namespace, name=name,
        )
    except k8s_errors.ApiError as exc:
        raise ProfileCommandError(str(exc)) from None
    validate(lambda: api, parse(obj), schema_only=schema_only, say=say)


def check_schema(document: Any) -> None:
    """The schema check alone (kanctl's `--dry-run` does only this)."""
    try:
        validation.validate_profile(parse(document))
    except validation.ValidationError as exc:
        raise ProfileCommandError(str(exc)) from None


def parse(obj: Any) -> resources.Profile:
    try:
        found = resources.parse_as(resources.Profile, obj)
    except resources.ResourceError as exc:
        raise ProfileCommandError("; ".join(exc.problems)) from None
    assert isinstance(found, resources.Profile)
    return found


# --- create ------------------------------------------------------------------------------------

KINDS = {  # kanctl subcommand → (location type, Secret name stem, Profile generateName)
    "s3compliant": (profiles.S3_COMPLIANT, "s3", "s3-profile-"),
    "gcp": (profiles.GCS, "gcp", "gcp-profile-"),
    "azure": (profiles.AZURE, "azure", "azure-profile-"),
}


def _random_suffix(length: int) -> str:
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def check_gcp_service_key(text: str) -> None:
    """What `google.CredentialsFromJSON` refuses: not JSON, or no known credential type."""
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileCommandError(f"invalid service key JSON: {exc.msg}") from None
    kind = parsed.get("type") if isinstance(parsed, dict) else None
    known = {
        "service_account", "authorized_user", "external_account", "impersonated_service_account"
    }
    if kind not in known:
        raise ProfileCommandError(f'unknown credential type: "{kind or ""}"')


def build(
    *, kind: str, namespace: str, location: Mapping[str, str], skip_ssl_verify: bool,
    secret_data: Mapping[str, str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """kanctl's `constructSecret` and `constructProfile`: (Secret, Profile) as API documents."""
    location_type, stem, generate_name = KINDS[kind]
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"{stem}-secret-{_random_suffix(6)}", "namespace": namespace},
        "stringData": dict(secret_data),
    }
    ref = {"name": secret["metadata"]["name"], "namespace": namespace}
    credential: dict[str, Any]
    if kind == "s3compliant" and secret_data.get(credentials.AWS_ROLE):
        secret["type"] = credentials.AWS_SECRET_TYPE
        credential = {"type": profiles.SECRET, "secret": ref}
    elif kind == "azure" and secret_data.get(credentials.AZURE_STORAGE_ENVIRONMENT):
        # kanctl leaves this Secret untyped, so its own validation then refuses it; kes types it.
        secret["type"] = credentials.AZURE_SECRET_TYPE
        credential = {"type": profiles.SECRET, "secret": ref}
    else:
        id_field, secret_field = {
            "s3compliant": (credentials.AWS_ACCESS_KEY_ID, credentials.AWS_SECRET_ACCESS_KEY),
            "gcp": (credentials.GCP_PROJECT_ID, credentials.GCP_SERVICE_KEY),
            "azure": (credentials.AZURE_STORAGE_ACCOUNT_ID, credentials.AZURE_STORAGE_KEY),
        }[kind]
        credential = {
            "type": profiles.KEY_PAIR,
            "keyPair": {"idField": id_field, "secretField": secret_field, "secret": ref},
        }
    profile = {
        "apiVersion": resources.GROUP_VERSION,
        "kind": "Profile",
        "metadata": {"namespace": namespace, "generateName": generate_name},
        "location": {"type": location_type, **location},
        "credential": credential,
        "skipSSLVerify": skip_ssl_verify,
    }
    return secret, profile


def create(
    connect: Connect,
    *,
    secret: dict[str, Any],
    profile: dict[str, Any],
    skip_validation: bool,
    say: Say,
) -> str:
    """Create the Secret, validate, then create the Profile (or delete the Secret); its name."""
    api = connect()
    namespace = secret["metadata"]["namespace"]
    values = [v for v in secret["stringData"].values() if v]
    secrets_path = objects.path(group="", version="v1", resource="secrets", namespace=namespace)
    try:
        created = objects.request(api, method="POST", url_path=secrets_path, body=secret)
    except k8s_errors.ApiError as exc:
        raise ProfileCommandError(
            masking.mask(f"failed to create secret: {exc}", secrets=values)
        ) from None
    secret_name = created["metadata"]["name"]
    say(f"secret '{secret_name}' created")
    try:
        validate(lambda: api, parse(profile), schema_only=skip_validation, say=say,
                 failures_only=True)
    except ProfileCommandError as exc:
        say(f"validation failed, deleting secret '{secret_name}'")
        try:
            objects.request(api, method="DELETE", url_path=f"{secrets_path}/{secret_name}")
        except k8s_errors.ApiError as rm_exc:
            raise ProfileCommandError(
                f"failed to delete secret after validation failed: {rm_exc}"
            ) from None
        say(f"secret '{secret_name}' deleted")
        raise ProfileCommandError(f"profile validation failed: {exc}") from None
    profiles_path = objects.path(
        group=resources.API_GROUP, version=resources.API_VERSION, resource="profiles",
        namespace=namespace,
    )
    try:
        made = objects.request(api, method="POST", url_path=profiles_path, body=profile)
    except k8s_errors.ApiError as exc:
        raise ProfileCommandError(str(exc)) from None
    name = str(made["metadata"]["name"])
    say(f"profile '{name}' created")
    return name
