"""Resource handlers: URL → resource resolution and the get/list/create/update/delete verbs.

Every `/api/v1/...` and `/apis/<group>/<version>/...` request lands in `Api.dispatch`, which
resolves the resource in the registry, then runs one verb against the store. Watch, patch and
subresources live in sibling modules (handlers_watch, handlers_patch) so each stays readable.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import yaml
from aiohttp import web

from kes.devcluster import (
    admission,
    admission_rules,
    errors,
    handlers_defaults,
    handlers_encoding,
    handlers_events,
    handlers_protobuf,
    resources,
    schema,
    store,
)
from kes.devcluster.validation import decoding, fields, objects

PROTOBUF = "application/vnd.kubernetes.protobuf"
PROTOBUF_MESSAGE = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json, application/yaml (the kes devcluster decodes protobuf only for "
    "ConfigMap, Secret and Namespace; for other kinds, as `kubectl create deployment`, use "
    "`kubectl create ... --dry-run=client -o yaml | kubectl apply -f -`)"
)


@dataclasses.dataclass(frozen=True)
class Target:
    resource: resources.Resource
    namespace: str | None
    name: str | None
    subresource: str | None


def parse_path(parts: list[str]) -> tuple[str, str, list[str]] | None:
    """(group, version, rest) of `/api/v1/...` or `/apis/g/v/...`; None for other paths."""
    if len(parts) >= 2 and parts[0] == "api":
        return "", parts[1], parts[2:]
    if len(parts) >= 3 and parts[0] == "apis":
        return parts[1], parts[2], parts[3:]
    return None


def resolve(registry: resources.Registry, *, group: str, version: str, rest: list[str]) -> Target:
    namespace: str | None = None
    ns_subresource = group == "" and len(rest) == 3 and rest[2] in ("status", "finalize")
    if rest[0] == "namespaces" and len(rest) >= 3 and not ns_subresource:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        raise errors.ApiError(code=404, message="the server could not find the requested resource",
                              details={})
    r = registry.lookup(group=group, version=version, plural=rest[0])
    if r is None:
        raise errors.ApiError(code=404, message="the server could not find the requested resource",
                              details={})
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None and sub not in r.subresources:
        raise errors.ApiError(code=404, message="the server could not find the requested resource",
                              details={})
    if namespace is not None and not r.namespaced:
        raise errors.ApiError(code=404, message="the server could not find the requested resource",
                              details={})
    return Target(resource=r, namespace=namespace, name=name, subresource=sub)


def translate(exc: store.StoreError, *, r: resources.Resource) -> errors.ApiError:
    """A store error as the Status the apiserver would send."""
    group = r.group
    if isinstance(exc, store.NotFoundError):
        return errors.not_found(plural=r.plural, name=exc.name, group=group)
    if isinstance(exc, store.AlreadyExistsError):
        return errors.already_exists(plural=r.plural, name=exc.name, group=group)
    if isinstance(exc, store.ConflictError):
        return errors.conflict(plural=r.plural, name=exc.name, message=exc.message, group=group)
    if isinstance(exc, store.GoneError):
        return errors.ApiError(code=410, reason="Expired", message=exc.message)
    if isinstance(exc, store.BadRequestError):
        return errors.bad_request(exc.message)
    return errors.ApiError(code=422, reason="Invalid", message=exc.message)


async def read_body(request: web.Request) -> Any:
    """The request body as JSON (or YAML for apply patches); a missing Content-Type is JSON."""
    content_type = request.headers.get("Content-Type", "application/json").split(";")[0].strip()
    raw = await request.read()
    if content_type == PROTOBUF:
        try:
            decoded = handlers_protobuf.decode(raw)
        except (handlers_protobuf.ProtobufError, UnicodeDecodeError) as exc:
            raise errors.bad_request(f"the protobuf body could not be decoded: {exc}") from exc
        if decoded is None:
            raise errors.ApiError(code=415, reason="UnsupportedMediaType",
                                  message=PROTOBUF_MESSAGE)
        return decoded
    if not raw:
        return None
    # The messages name the problem and its position only: the body may be a Secret, and
    # parser messages that quote the input would echo its values.
    try:
        if content_type in ("application/yaml", "application/apply-patch+yaml"):
            return yaml.safe_load(raw)
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise errors.bad_request(
            f"the object provided is unrecognized or malformed: {exc.msg} at line {exc.lineno} "
            f"column {exc.colno}"
        ) from exc
    except yaml.MarkedYAMLError as exc:
        where = f" at line {exc.problem_mark.line + 1} column {exc.problem_mark.column + 1}" if (
            exc.problem_mark is not None) else ""
        raise errors.bad_request(
            f"the object provided is unrecognized or malformed: {exc.problem}{where}"
        ) from exc
    except (ValueError, yaml.YAMLError) as exc:
        raise errors.bad_request(
            f"the object provided is unrecognized or malformed: {type(exc).__name__}"
        ) from exc


def dry_run(request: web.Request) -> bool:
    return "All" in request.query.getall("dryRun", [])


def field_selector(request: web.Request, *, r: resources.Resource) -> str | None:
    text = request.query.get("fieldSelector")
    if handlers_events.is_new_api(r.group, r.plural):
        return handlers_events.field_selector(text)
    return text


def strict(request: web.Request) -> bool:
    return request.query.get("fieldValidation") == "Strict"


class Api:
    def __init__(
        self, *, db: store.Store, registry: resources.Registry, bookmark_interval: float = 10.0
    ) -> None:
        self.db = db
        self.registry = registry
        # Seconds between BOOKMARK events on watches that allow them.
        self.bookmark_interval = bookmark_interval

    # -- shared helpers ------------------------------------------------------------------------

    def check_namespace(self, namespace: str) -> None:
        try:
            ns = self.db.get_sync(("", "v1", "namespaces"), namespace=None, name=namespace)
        except store.NotFoundError as exc:
            raise errors.not_found(plural="namespaces", name=namespace) from exc
        if ns["metadata"].get("deletionTimestamp"):
            raise errors.ApiError(
                code=403, reason="Forbidden",
                message=f"unable to create new content in namespace {namespace} because it is "
                "being terminated",
            )

    def admit(
        self, *, r: resources.Resource, obj: dict[str, Any], strict: bool = False,
        old: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Decoding and validation of built-in kinds (names and metadata for every kind);
        schema pruning, defaults and validation for CRs.

        `strict` (fieldValidation=Strict, kubectl's default) refuses unknown fields with 400
        instead of pruning them silently. `old`, on updates, lets transition rules (`self ==
        oldSelf`) compare."""
        meta = obj.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName") or ""
        problem = decoding.error(group=r.group, version=r.version, kind=r.kind,
                                 obj=obj) if r.builtin else None
        if problem is not None:
            raise errors.bad_request(problem)
        field_errors = objects.validate(group=r.group, kind=r.kind, obj=obj, builtin=r.builtin)
        if field_errors:
            raise errors.invalid(
                kind=r.kind, name=name, group=r.group,
                message=fields.invalid_message(kind=r.kind, group=r.group, name=name,
                                               errors=field_errors),
                causes=[error.cause() for error in field_errors],
            )
        if r.key == ("", "v1", "secrets"):
            obj = handlers_defaults.fold_string_data(obj)
        if r.kind == "CustomResourceDefinition" and isinstance(obj.get("spec"), dict):
            obj["spec"].setdefault("conversion", {"strategy": "None"})  # defaulted on every write
        crd_schema = r.schema()
        if r.builtin or crd_schema is None:
            return obj
        unknown = schema.unknown_fields(obj, crd_schema) if strict else []
        if unknown:
            raise errors.bad_request(
                schema.strict_decoding_message(kind=r.kind, version=r.version, fields=unknown))
        admitted, causes = schema.admit(obj, schema=crd_schema, old=old)
        if causes:
            raise errors.invalid(
                kind=r.kind, name=name, group=r.group, causes=causes,
                message=schema.invalid_message(kind=r.kind, group=r.group, name=name,
                                               causes=causes),
            )
        return admitted

    async def call_webhooks(
        self, request: web.Request, *, target: Target, operation: str, obj: dict[str, Any],
        old: dict[str, Any] | None,
    ) -> None:
        """The validating admission webhooks whose rules match this write (admission.py)."""
        r = target.resource
        meta = obj.get("metadata") or {}
        await admission.validate(self.db, admission_rules.Attributes(
            group=r.group, version=r.version, resource=r.plural,
            subresource=target.subresource or "", kind=r.kind, namespaced=r.namespaced,
            operation=operation, namespace=meta.get("namespace") if r.namespaced else None,
            name=str(meta.get("name") or ""), obj=self.present(r=r, obj=obj),
            old=self.present(r=r, obj=old) if old is not None else None,
            dry_run=dry_run(request),
        ))

    def prepare_body(self, *, target: Target, body: Any) -> dict[str, Any]:
        r = target.resource
        if not isinstance(body, dict):
            raise errors.bad_request("the object provided is unrecognized or malformed")
        obj = dict(body)
        kind = obj.get("kind")
        if kind and kind != r.kind:
            raise errors.bad_request(
                f"the API version in the data ({obj.get('apiVersion')}) does not match the "
                f"expected API version ({r.api_version})" if obj.get("apiVersion") !=
                r.api_version else f"{kind} in version \"{r.version}\" cannot be handled as a "
                f"{r.kind}: the kind does not match"
            )
        obj["kind"] = r.kind
        obj["apiVersion"] = r.api_version
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = {}
        obj["metadata"] = dict(meta)
        if r.namespaced:
            ns = target.namespace
            body_ns = obj["metadata"].get("namespace")
            if body_ns and ns and body_ns != ns:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent "
                    "on the request"
                )
            obj["metadata"]["namespace"] = ns or body_ns or "default"
        else:
            obj["metadata"].pop("namespace", None)
        if handlers_events.is_new_api(r.group, r.plural):
            obj = handlers_events.to_core(obj)
        return obj

    def present(self, *, r: resources.Resource, obj: dict[str, Any]) -> dict[str, Any]:
        """The stored object as served under the requested version."""
        if handlers_events.is_new_api(r.group, r.plural):
            return handlers_events.to_new(obj)
        if obj.get("apiVersion") == r.api_version:
            return obj
        return {**obj, "apiVersion": r.api_version}

    # -- verbs ---------------------------------------------------------------------------------

    async def get(self, request: web.Request, target: Target) -> web.StreamResponse:
        r = target.resource
        obj = self.db.get_sync(r.key, namespace=target.namespace, name=str(target.name))
        return handlers_encoding.respond_object(request, r=r, obj=self.present(r=r, obj=obj))

    async def list(self, request: web.Request, target: Target) -> web.StreamResponse:
        r = target.resource
        matcher = store.make_matcher(
            label_selector=request.query.get("labelSelector"),
            field_selector=field_selector(request, r=r),
            kind=r.kind,
        )
        limit_text = request.query.get("limit", "")
        try:
            limit = int(limit_text) if limit_text else None
        except ValueError as exc:
            raise errors.bad_request(f'invalid limit: "{limit_text}"') from exc
        items, rv, token = self.db.list_sync(
            r.key, namespace=target.namespace, matcher=matcher, limit=limit,
            continue_token=request.query.get("continue") or None,
        )
        items = [self.present(r=r, obj=o) for o in items]
        return handlers_encoding.respond_list(request, r=r, items=items, rv=rv, token=token)

    async def create(self, request: web.Request, target: Target) -> web.StreamResponse:
        r = target.resource
        if r.plural in ("selfsubjectaccessreviews", "selfsubjectrulesreviews"):
            # kubectl sends these as protobuf; an allow-all answer does not need the body.
            try:
                body = await read_body(request)
            except errors.ApiError:
                body = None
            return handlers_encoding.json_response(handlers_encoding.review(r=r, body=body), 201)
        body = await read_body(request)
        obj = self.prepare_body(target=target, body=body)
        if r.namespaced:
            self.check_namespace(obj["metadata"]["namespace"])
        obj = handlers_defaults.apply(kind=r.kind, group=r.group, obj=obj)
        obj = self.admit(r=r, obj=obj, strict=strict(request))
        if not obj["metadata"].get("name") and not obj["metadata"].get("generateName"):
            raise errors.invalid(
                kind=r.kind, name="", group=r.group,
                message=f'{r.kind} "" is invalid: metadata.name: Required value: name or '
                "generateName is required",
                causes=[{"reason": "FieldValueRequired", "field": "metadata.name",
                         "message": "Required value: name or generateName is required"}],
            )
        await self.call_webhooks(request, target=target, operation="CREATE", obj=obj, old=None)
        created = self.db.create_sync(r.key, obj, dry_run=dry_run(request))
        return handlers_encoding.respond_object(
            request, r=r, obj=self.present(r=r, obj=created), code=201)

    async def replace(self, request: web.Request, target: Target) -> web.StreamResponse:
        r = target.resource
        body = await read_body(request)
        if target.subresource == "scale":
            return await self.put_scale(request, target, body)
        obj = self.prepare_body(target=target, body=body)
        if obj["metadata"].get("name") and obj["metadata"]["name"] != target.name:
            raise errors.bad_request(
                f"the name of the object ({obj['metadata']['name']}) does not match the name "
                f"on the URL ({target.name})"
            )
        obj["metadata"]["name"] = target.name
        try:
            old = self.db.get_sync(r.key, namespace=target.namespace, name=str(target.name))
        except store.NotFoundError:
            old = None  # the update below answers 404
        # Transition rules (`self == oldSelf`) compare with the stored object, not its status.
        obj = self.admit(r=r, obj=obj, strict=strict(request),
                         old=old if target.subresource is None and not r.builtin else None)
        if old is not None:
            await self.call_webhooks(request, target=target, operation="UPDATE", obj=obj,
                                     old=old)
        updated = self.db.update_sync(
            r.key, obj, subresource=target.subresource, dry_run=dry_run(request)
        )
        return handlers_encoding.respond_object(request, r=r, obj=self.present(r=r, obj=updated))

    async def put_scale(
        self, request: web.Request, target: Target, body: Any
    ) -> web.StreamResponse:
        r = target.resource
        if not isinstance(body, dict):
            raise errors.bad_request("the object provided is unrecognized or malformed")
        current = self.db.get_sync(r.key, namespace=target.namespace, name=str(target.name))
        replicas = (body.get("spec") or {}).get("replicas")
        return await self.set_replicas(request, r=r, current=current, replicas=replicas,
                                       rv=(body.get("metadata") or {}).get("resourceVersion"))

    async def set_replicas(
        self, request: web.Request, *, r: resources.Resource, current: dict[str, Any],
        replicas: Any, rv: str | None,
    ) -> web.StreamResponse:
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.invalid(
                kind="Scale", name=current["metadata"]["name"], group="autoscaling",
                message=f'Scale.autoscaling "{current["metadata"]["name"]}" is invalid: '
                f"spec.replicas: Invalid value: {json.dumps(replicas)}: must be greater than "
                "or equal to 0",
                causes=[{"reason": "FieldValueInvalid", "field": "spec.replicas",
                         "message": "must be greater than or equal to 0"}],
            )
        new = dict(current)
        new["spec"] = {**current.get("spec", {}), "replicas": replicas}
        if rv:
            new["metadata"] = {**current["metadata"], "resourceVersion": rv}
        updated = self.db.update_sync(r.key, new, dry_run=dry_run(request))
        return handlers_encoding.json_response(handlers_encoding.scale(updated), 200)
