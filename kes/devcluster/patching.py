"""The patch flavours the apiserver accepts, as pure functions on JSON dicts.

JSON merge patch (RFC 7386), JSON patch (RFC 6902, in json_patch.py), strategic merge patch
with the merge keys of built-in kinds, and server-side apply approximated as a strategic merge.
The handlers choose by the request's Content-Type via :func:`apply_patch`. Inputs are never
mutated.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from kes.devcluster import json_patch as json_patch_module
from kes.devcluster import patch_errors

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
MAX_JSON_PATCH_OPERATIONS = json_patch_module.MAX_JSON_PATCH_OPERATIONS
PatchError = patch_errors.PatchError
JSON_PATCH_FAILED = patch_errors.JSON_PATCH_FAILED
json_patch = json_patch_module.json_patch
_bad_request = patch_errors.bad_request


# --- RFC 7386 ----------------------------------------------------------------------------------


def merge_patch(*, target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(target=result.get(key), patch=value)
    return result


# --- strategic merge patch ---------------------------------------------------------------------

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
# Field name -> merge key for lists merged by key in the built-in types. "ports" depends on
# where it sits (see _merge_key). Lists not named here are replaced wholesale.
_MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "conditions": "type",
    "ownerReferences": "uid",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
    "secrets": "name",
    "webhooks": "name",
}
# Primitive lists whose patch strategy is merge: union of values.
_MERGED_PRIMITIVE_LISTS = frozenset({"finalizers"})


def _go_map(value: Any) -> str:
    """A value as Go's %v prints it (``map[image:x]``), for messages the apiserver words."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_map(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_map(v) for v in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _merge_key(path: Sequence[str], field: str) -> str | None:
    if field == "ports":
        return "containerPort" if path and path[-1] in _CONTAINER_LISTS else "port"
    return _MERGE_KEYS.get(field)


def strategic_merge_patch(*, target: Any, patch: Any, kind: str) -> Any:
    """Strategic merge patch for a built-in ``kind``: lists merged by their merge keys,
    ``$patch: delete|replace|merge``, ``$retainKeys``, ``$deleteFromPrimitiveList/<f>`` and
    ``$setElementOrder/<f>``. ``kind`` is accepted for symmetry with the apiserver; the merge
    keys here are the same for every built-in kind."""
    del kind
    if not isinstance(patch, dict):
        raise _bad_request("strategic merge patch must be a JSON object")
    result = _smp_map(target if isinstance(target, dict) else {}, patch, path=())
    return {} if result is None else result


def _smp_map(target: dict[str, Any], patch: dict[str, Any], *, path: tuple[str, ...]
             ) -> dict[str, Any] | None:
    directive = patch.get("$patch")
    if directive == "delete":
        return None
    if directive == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if directive not in (None, "merge"):
        raise _bad_request(f"Unknown patch type: {directive} in map: {_go_map(patch)}")
    result = copy.deepcopy(target)
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value if isinstance(value, list) else []
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            if isinstance(result.get(field), list) and isinstance(value, list):
                result[field] = [item for item in result[field] if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            current = result.get(key)
            merged = _smp_map(current if isinstance(current, dict) else {}, value,
                              path=(*path, key))
            if merged is None:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            current = result.get(key)
            result[key] = _smp_list(current if isinstance(current, list) else [], value,
                                    path=path, field=key)
        else:
            result[key] = copy.deepcopy(value)
    for field, order in orders.items():
        if isinstance(result.get(field), list):
            result[field] = _reorder(result[field], order, merge_key=_merge_key(path, field))
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _smp_list(target: list[Any], patch: list[Any], *, path: tuple[str, ...], field: str
              ) -> list[Any]:
    key = _merge_key(path, field)
    special = [i for i in patch if isinstance(i, dict) and "$patch" in i]
    for item in special:
        if item["$patch"] == "merge":
            raise _bad_request("merging lists cannot yet be specified in the patch")
        if item["$patch"] not in ("replace", "delete"):
            raise _bad_request(f"Unknown patch type: {item['$patch']} in map: {_go_map(item)}")
    # As in apimachinery: one {"$patch": "replace"} element replaces the whole list with the
    # patch's ordinary elements (every directive element is dropped).
    if any(item["$patch"] == "replace" for item in special):
        return [copy.deepcopy(i) for i in patch
                if not (isinstance(i, dict) and "$patch" in i)]
    if field in _MERGED_PRIMITIVE_LISTS:
        result = list(target)
        result.extend(item for item in patch if item not in result)
        return copy.deepcopy(result)
    if key is None or not all(isinstance(item, dict) for item in patch):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target)
    patched: list[Any] = []  # the elements the patch names, merged, in the patch's order
    for item in patch:
        if key not in item:
            raise _bad_request(f"map: {_go_map(item)} does not contain declared merge key: {key}")
        position = next((i for i, existing in enumerate(result)
                         if isinstance(existing, dict) and existing.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if position is not None:
                result.pop(position)
            continue
        merged = _smp_map({} if position is None else result[position], item,
                          path=(*path, field))
        if position is not None:
            result.pop(position)
        if merged is not None:
            patched.append(merged)
    server_order = [item.get(key) for item in target if isinstance(item, dict)]
    return _merge_sorted(result, patched, server_order=server_order, key=key)


def _merge_sorted(server_only: list[Any], patched: list[Any], *, server_order: list[Any],
                  key: str) -> list[Any]:
    """apimachinery's mergeSortedSlice: the patch's elements keep their order and the others
    theirs; an element the server had goes before a patched one only when both were in the
    server's list in that order (so new elements come first, "C A" for env [A] patched with
    [C])."""
    def rank(item: Any) -> int:
        value = item.get(key) if isinstance(item, dict) else None
        return server_order.index(value) if value in server_order else -1

    out: list[Any] = []
    i = j = 0
    while i < len(server_only) or j < len(patched):
        if j >= len(patched):
            out.append(server_only[i])
            i += 1
        elif i >= len(server_only):
            out.append(patched[j])
            j += 1
        else:
            left, right = rank(server_only[i]), rank(patched[j])
            if left >= 0 and right >= 0 and left < right:
                out.append(server_only[i])
                i += 1
            else:
                out.append(patched[j])
                j += 1
    return out


def _reorder(items: list[Any], order: list[Any], *, merge_key: str | None) -> list[Any]:
    """Apply ``$setElementOrder``: listed elements first in that order, the rest after."""
    def identity(item: Any) -> Any:
        if merge_key is not None and isinstance(item, dict):
            return item.get(merge_key)
        return item

    wanted = [identity(entry) for entry in order]
    ranked = sorted(
        enumerate(items),
        key=lambda pair: (
            wanted.index(identity(pair[1])) if identity(pair[1]) in wanted else len(wanted),
            pair[0],
        ),
    )
    return [item for _, item in ranked]


# --- server-side apply, dispatch ---------------------------------------------------------------


def server_side_apply(
    *, live: dict[str, Any] | None, applied: dict[str, Any], kind: str, builtin: bool = True
) -> dict[str, Any]:
    """Approximate server-side apply: the applied config merged (strategically for built-ins,
    by JSON merge for custom resources) into the live object, or the config itself when nothing
    is live. Field ownership is not tracked, so fields dropped from the config stay."""
    if not isinstance(applied, dict):
        raise _bad_request("apply patch must be a YAML or JSON object")
    if live is None:
        return copy.deepcopy(applied)
    if builtin:
        result = strategic_merge_patch(target=live, patch=applied, kind=kind)
    else:
        result = merge_patch(target=live, patch=applied)
    return result if isinstance(result, dict) else {}


def apply_patch(
    target: dict[str, Any], patch: Any, *, content_type: str, kind: str, builtin: bool = True
) -> dict[str, Any]:
    """Dispatch on the PATCH Content-Type (parameters after ``;`` are ignored).

    ``builtin=False`` (custom resources) refuses strategic merge with 415 as a real server does.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == MERGE_PATCH:
        if not isinstance(patch, dict):
            raise _bad_request("merge patch must be a JSON object")
        result = merge_patch(target=target, patch=patch)
    elif media_type == JSON_PATCH:
        result = json_patch(target=target, operations=patch)
    elif media_type == STRATEGIC_MERGE_PATCH and builtin:
        result = strategic_merge_patch(target=target, patch=patch, kind=kind)
    elif media_type == APPLY_PATCH:
        result = server_side_apply(live=target, applied=patch, kind=kind, builtin=builtin)
    else:
        accepted = [JSON_PATCH, MERGE_PATCH, APPLY_PATCH]
        if builtin:
            accepted.insert(2, STRATEGIC_MERGE_PATCH)
        raise PatchError(
            "the body of the request was in an unknown format - accepted media types include: "
            + ", ".join(accepted),
            code=415, reason="UnsupportedMediaType",
        )
    if not isinstance(result, dict):
        raise PatchError("the patched object is not a JSON object")
    return result
