"""JSON patch (RFC 6902) as kube-apiserver applies it, on JSON dicts (pure).

add/remove/replace/move/copy/test, all or nothing. A body that does not decode is 400 with
encoding/json's words; any operation that fails is 422 with kube-apiserver's one message
(`patch_errors.JSON_PATCH_FAILED`), our own reason kept in `PatchError.detail`.
"""

from __future__ import annotations

import copy
from typing import Any

from kes.devcluster.patch_errors import JSON_PATCH_FAILED, PatchError
from kes.devcluster.patch_errors import bad_request as _bad_request
from kes.devcluster.patch_errors import go_type as _go_type

# The apiserver's own cap; a bigger patch is 413 RequestEntityTooLarge.
MAX_JSON_PATCH_OPERATIONS = 10000


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str):
        raise _bad_request(f"invalid JSON pointer: {path!r}")
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f'JSON pointer must be empty or start with a "/": "{path}"')
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _index(container: list[Any], part: str, *, path: str, allow_end: bool) -> int:
    if part == "-" and allow_end:
        return len(container)
    if not part.isdigit() or (len(part) > 1 and part.startswith("0")):
        raise PatchError(f'unable to parse array index "{part}" in path "{path}"')
    index = int(part)
    limit = len(container) if allow_end else len(container) - 1
    if index > limit:
        raise PatchError(f"index out of bounds: {index} in path \"{path}\"")
    return index


def _parent(doc: Any, tokens: list[str], *, path: str, op: str) -> Any:
    current = doc
    for token in tokens[:-1]:
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, path=path, allow_end=False)]
        else:
            raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}"')
    return current


def _get(doc: Any, path: str, *, op: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, path=path, op=op)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, path=path, allow_end=False)]
    raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}"')


def _add(doc: Any, path: str, value: Any, *, op: str = "add") -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens, path=path, op=op)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, path=path, allow_end=True), value)
    else:
        raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}"')
    return doc


def _remove(doc: Any, path: str, *, op: str = "remove") -> tuple[Any, Any]:
    tokens = _pointer(path)
    if not tokens:
        raise PatchError(f"{op} operation does not apply: cannot remove the whole document")
    parent = _parent(doc, tokens, path=path, op=op)
    last = tokens[-1]
    if isinstance(parent, dict) and last in parent:
        return doc, parent.pop(last)
    if isinstance(parent, list):
        return doc, parent.pop(_index(parent, last, path=path, allow_end=False))
    raise PatchError(f'{op} operation does not apply: doc is missing path: "{path}"')


def json_patch(*, target: Any, operations: Any) -> Any:
    """RFC 6902 add/remove/replace/move/copy/test, all or nothing; errors as kube-apiserver
    words them (a body that does not decode: 400; an operation that fails: 422)."""
    if not isinstance(operations, list):
        raise _bad_request(f"error decoding patch: json: cannot unmarshal "
                           f"{_go_type(operations)} into Go value of type []handlers.jsonPatchOp")
    for operation in operations:
        if not isinstance(operation, dict):
            raise _bad_request(f"error decoding patch: json: cannot unmarshal "
                               f"{_go_type(operation)} into Go value of type "
                               "handlers.jsonPatchOp")
    if len(operations) > MAX_JSON_PATCH_OPERATIONS:
        raise PatchError(
            f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS},"
            f" got {len(operations)}",
            code=413, reason="RequestEntityTooLarge",
        )
    try:
        return _apply_operations(copy.deepcopy(target), operations)
    except PatchError as exc:
        raise PatchError(JSON_PATCH_FAILED, detail=exc.detail) from exc


def _apply_operations(doc: Any, operations: list[dict[str, Any]]) -> Any:
    for operation in operations:
        op = operation.get("op")
        path = operation.get("path")
        if not isinstance(path, str):
            raise PatchError(f'{op} operation does not apply: missing "path"')
        source: Any = operation.get("from")
        if op in ("move", "copy") and not isinstance(source, str):
            raise PatchError(f'{op} operation does not apply: missing "from"')
        if op in ("add", "replace", "test") and "value" not in operation:
            raise PatchError(f'{op} operation does not apply: missing value for path "{path}"')
        if op == "add":
            doc = _add(doc, path, copy.deepcopy(operation["value"]))
        elif op == "remove":
            doc, _ = _remove(doc, path)
        elif op == "replace":
            _get(doc, path, op="replace")  # the target must exist
            if _pointer(path):
                doc, _ = _remove(doc, path, op="replace")
            doc = _add(doc, path, copy.deepcopy(operation["value"]), op="replace")
        elif op == "move":
            if path.startswith(source + "/"):
                raise PatchError(f'move operation does not apply: "{source}" is a prefix of'
                                 f' "{path}"')
            doc, value = _remove(doc, source, op="move")
            doc = _add(doc, path, value, op="move")
        elif op == "copy":
            value = copy.deepcopy(_get(doc, source, op="copy"))
            doc = _add(doc, path, value, op="copy")
        elif op == "test":
            if _get(doc, path, op="test") != operation["value"]:
                raise PatchError(f"testing value {path} failed: test failed")
        else:
            raise PatchError(f"Unexpected kind: {op}")
    return doc
