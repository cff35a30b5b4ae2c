"""Kanister's rendering entry points: one template, phase args, output artifacts, object refs.

Mirrors ``pkg/param/render.go``: each arg string is its own template named ``config``, executed
with missingkey=error; args are rendered recursively (map keys too); a missing map key becomes
``Failed to render template: "<key>" not found``. Compiled templates are cached by source text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

import jinja2

from kes.domain.templates import errors, execution, gofuncs, sprig, values

TEMPLATE_NAME: Final = "config"
_MISSING_KEY: Final = re.compile(r'map has no entry for key (".*")$', re.DOTALL)

FUNCS: Final[dict[str, values.GoFunc]] = {**gofuncs.BUILTINS, **sprig.FUNCS}
_ENV: Final = execution.make_environment()


MissingKey = Literal["error", "zero"]


@functools.lru_cache(maxsize=1024)
def _compile(source: str, missing_zero: bool) -> execution.Unit:
    return execution.Unit(
        source=source, name=TEMPLATE_NAME, funcs=FUNCS, env=_ENV, missing_zero=missing_zero
    )


def compile_template(source: str, *, missing_key: MissingKey = "error") -> execution.Unit:
    """Parse and compile ``source`` (cached); raises TemplateError for syntax errors."""
    try:
        return _compile(source, missing_key == "zero")
    except errors.TemplateError:
        raise
    except (RecursionError, SyntaxError, jinja2.TemplateSyntaxError):
        # Python's own limits (stack depth, about 20 nested loops per function) bound how
        # deep a template may nest once compiled; Go's are larger, blueprints never get near.
        raise errors.TemplateError(
            f"template: {TEMPLATE_NAME}: max expression depth exceeded"
        ) from None


def check(source: str) -> None:
    """Parse only: what ``kes blueprint validate`` uses to report template syntax errors."""
    compile_template(source)


def render(template: str, params: Any, *, missing_key: MissingKey = "error") -> str:
    """Execute ``template`` with ``params`` as dot, as Kanister's renderStringArg does.

    ``missing_key="zero"`` is Go's ``missingkey=zero``, which Kanister's Wait conditions use.
    """
    if "{{" not in template:
        return template
    unit = compile_template(template, missing_key=missing_key)
    state = execution.State()
    try:
        return unit.execute(TEMPLATE_NAME, _as_dot(params), state)
    except errors.ExecError as exc:
        raise errors.TemplateError(_message(unit, exc)) from None
    except RecursionError:
        # Values a template builds (dict in dict in …) can nest deeper than Python prints.
        raise errors.TemplateError(
            f"template: {TEMPLATE_NAME}: value nested deeper than kes can handle"
        ) from None


def _message(unit: execution.Unit, exc: errors.ExecError) -> str:
    found = _MISSING_KEY.search(exc.message)
    if found:
        return f"Failed to render template: {found.group(1)} not found"
    where = unit.position(exc.node)
    if where is None:
        return f"template: {TEMPLATE_NAME}: {exc.message}"
    position, executing = where
    return errors.exec_message(position=position, executing=executing, message=exc.message)


def _as_dot(params: Any) -> Any:
    """Give the map-typed TemplateParams fields their Go map types when a plain dict is passed.

    ``Options`` is ``map[string]string`` in Kanister, so ``index .Options "x"`` is ``""``.
    """
    if type(params) is dict:
        options = params.get("Options")
        if type(options) is dict:
            params = {**params, "Options": values.TypedMap(options)}
    return params


# Go recurses through any depth; Python's stack does not. No real Blueprint nests args anywhere
# near this deep, and a hostile one gets a TemplateError instead of a RecursionError.
MAX_ARGS_DEPTH: Final = 100


def args_depth(value: Any) -> int:
    """How deep lists and maps nest in `value`, counted without recursion (any depth)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Mapping):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list | tuple):
            stack.extend((child, depth + 1) for child in node)
        else:
            deepest = max(deepest, depth)
            continue
        deepest = max(deepest, depth + 1)
    return deepest


def render_args(args: Any, params: Any, *, _depth: int = 0) -> Any:
    """Kanister's RenderArgs/render: strings rendered; lists and maps recursed (keys too)."""
    if isinstance(args, str):
        return render(args, params)
    if isinstance(args, list | tuple | Mapping) and _depth >= MAX_ARGS_DEPTH:
        raise errors.TemplateError(
            f"args are nested {MAX_ARGS_DEPTH} or more levels deep; flatten them"
        )
    if isinstance(args, list | tuple):
        return [render_args(item, params, _depth=_depth + 1) for item in args]
    if isinstance(args, Mapping):
        return {
            render_args(k, params, _depth=_depth + 1): render_args(v, params, _depth=_depth + 1)
            for k, v in args.items()
        }
    return args


def render_artifacts(
    artifacts: Mapping[str, Mapping[str, Any]], params: Any
) -> dict[str, dict[str, Any]]:
    """RenderArtifacts: each ``keyValue`` value and ``kopiaSnapshot`` rendered on its own.

    As in Kanister each artifact is rebuilt from those two fields only, and an empty one is left
    out (Go's nil map and empty string, both omitted from the status JSON).
    """
    out: dict[str, dict[str, Any]] = {}
    for name, artifact in artifacts.items():
        rendered: dict[str, Any] = {}
        key_value = artifact.get("keyValue") or {}
        if key_value:
            rendered["keyValue"] = {k: render(v, params) for k, v in key_value.items()}
        snapshot = artifact.get("kopiaSnapshot")
        if snapshot:
            rendered["kopiaSnapshot"] = render(snapshot, params)
        out[name] = rendered
    return out


_REF_FIELDS: Final = ("apiVersion", "group", "resource", "kind", "name", "namespace")


def render_object_refs(
    refs: Mapping[str, Mapping[str, Any]], params: Any
) -> dict[str, dict[str, Any]] | None:
    """RenderObjectRefs: each string field of each ref rendered; ``None`` when Time is unset.

    Kanister skips rendering on its validation path, recognised by an empty ``Time``.
    """
    time = params.get("Time") if isinstance(params, Mapping) else _struct_time(params)
    if not time:
        return None
    out: dict[str, dict[str, Any]] = {}
    for name, ref in refs.items():
        rendered = dict(ref)
        try:
            for key in _REF_FIELDS:
                value = ref.get(key)
                if isinstance(value, str):
                    rendered[key] = render(value, params)
        except errors.TemplateError as exc:
            raise errors.TemplateError(
                f"could not render object reference {{{name}}}: {exc}"
            ) from None
        out[name] = rendered
    return out


def _struct_time(params: Any) -> Any:
    if isinstance(params, values.GoStruct) and params.has_field("Time"):
        return params.field("Time")
    return None
