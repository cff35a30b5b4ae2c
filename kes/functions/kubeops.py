"""KubeOps: create, patch or delete any Kubernetes object, custom resources included.

Kanister `kubeops.go` (reference 1.2 #7): `create` sends the YAML `spec` as kubectl create does
(the manifest's namespace wins over `namespace`, default `default`); `delete` deletes the
`objectReference` and polls until the object is gone; `patch` applies `spec` as a strategic-merge
patch to the `objectReference`. The output is the object reference as a map (`apiVersion` =
version only, `group`, `resource`, `kind` always "", `name`, `namespace`). Idempotency: delete is
(a second delete of a gone object is what a restart would redo), create is not.
"""

from __future__ import annotations

from typing import Any

import pydantic
import yaml

from kes.adapters.k8s import dynamic, waiting
from kes.adapters.k8s import errors as k8s_errors
from kes.functions import args as args_decoding
from kes.functions import base

NAME = "KubeOps"
IDEMPOTENT = False  # `create` is not; the controller asks `is_idempotent(args)` for delete
OUTPUTS = ("apiVersion", "group", "resource", "kind", "name", "namespace")
CREATE, PATCH, DELETE = "create", "patch", "delete"
_REF_FIELDS = ("apiVersion", "group", "resource", "kind", "name", "namespace")


class Args(args_decoding.ArgsModel):
    operation: str
    spec: str = ""
    namespace: str = "default"
    object_reference: dict[str, Any] | None = pydantic.Field(default=None, alias="objectReference")


def is_idempotent(args: dict[str, Any]) -> bool:
    """Delete may be redone after a restart; create and patch are treated as not idempotent."""
    return str(args.get("operation", "")) == DELETE


def _reference(raw: dict[str, Any] | None) -> dict[str, str]:
    folded = {str(k).lower(): v for k, v in (raw or {}).items()}
    try:
        return {key: args_decoding.to_str(folded.get(key.lower())) for key in _REF_FIELDS}
    except args_decoding.DecodeError as exc:
        raise base.ArgumentError(f"Failed to decode arg `objectReference`: {exc}") from None


def _manifest(spec: str) -> dict[str, Any]:
    try:
        manifest = yaml.safe_load(spec)
    except yaml.YAMLError as exc:
        # Only the position: PyYAML's full message quotes the line, which may hold a secret.
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise base.FunctionError(f"error converting YAML to JSON: {where}{problem}") from None
    if not isinstance(manifest, dict):
        raise base.FunctionError("error unmarshaling spec: not a YAML object")
    return manifest


def _create(ctx: base.PhaseContext, parsed: Args) -> dict[str, Any]:
    if not parsed.spec:
        raise base.FunctionError(f"spec cannot be empty for {CREATE} operation")
    manifest = _manifest(parsed.spec)
    mapping, created = dynamic.create(ctx.api, manifest=manifest, namespace=parsed.namespace)
    metadata = created.get("metadata") or {}
    return {
        "apiVersion": mapping.version,
        "group": mapping.group,
        "resource": mapping.resource,
        "kind": "",
        "name": str(metadata.get("name", "")),
        "namespace": str(metadata.get("namespace", "")),
    }


def _checked_reference(parsed: Args, operation: str) -> dict[str, str]:
    ref = _reference(parsed.object_reference)
    if not ref["name"] or not ref["apiVersion"] or not ref["resource"]:
        raise base.FunctionError(
            "missing one or more required fields name/namespace/group/apiVersion/resource "
            f"in objectReference for {operation} operation"
        )
    if ref["namespace"]:
        return ref
    return {**ref, "namespace": parsed.namespace}


def _scoped(ctx: base.PhaseContext, ref: dict[str, str]) -> dict[str, str]:
    """The request target: a cluster-scoped resource takes no namespace (Kanister would send
    the default one and get NotFound)."""
    namespaced = dynamic.is_namespaced(
        ctx.api, group=ref["group"], version=ref["apiVersion"], resource=ref["resource"]
    )
    return {
        "group": ref["group"], "version": ref["apiVersion"], "resource": ref["resource"],
        "namespace": ref["namespace"] if namespaced else "", "name": ref["name"],
    }  # fmt: skip


def _delete(ctx: base.PhaseContext, parsed: Args) -> dict[str, Any]:
    ref = _checked_reference(parsed, DELETE)
    where = _scoped(ctx, ref)
    dynamic.delete(ctx.api, **where)

    def gone() -> bool | None:
        return True if not dynamic.exists(ctx.api, **where) else None

    waiting.poll(gone, cancel=ctx.cancel, what=f"{ref['resource']} {ref['name']} to be deleted")
    return ref


def _patch(ctx: base.PhaseContext, parsed: Args) -> dict[str, Any]:
    if not parsed.spec:
        raise base.FunctionError(f"spec cannot be empty for {PATCH} operation")
    ref = _checked_reference(parsed, PATCH)
    dynamic.patch(ctx.api, **_scoped(ctx, ref), body=_manifest(parsed.spec))
    return ref


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    operations = {CREATE: _create, DELETE: _delete, PATCH: _patch}
    operation = operations.get(parsed.operation)
    if operation is None:
        raise base.FunctionError(f"invalid operation '{parsed.operation}'")
    try:
        return operation(ctx, parsed)
    except waiting.WaitCancelledError:
        raise base.FunctionCancelledError() from None
    except k8s_errors.ApiError as exc:
        raise base.FunctionError(str(exc)) from None


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("operation",),
    all_args=("spec", "operation", "namespace", "objectReference"),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
)
