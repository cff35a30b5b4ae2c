"""Running compiled templates: the Jinja2 sandbox, per-render state and resource limits.

A ``Unit`` is one template source compiled (``compiler``) into a Jinja2 template per Go tree
(main, ``define``, ``block``). It owns the run-time entry points the generated code calls
(function call sites, ``template`` calls) and the limits that keep a hostile template bounded:
template recursion depth, range iterations and output size.
"""

from __future__ import annotations

from typing import Any, Final

import jinja2
import jinja2.runtime
import jinja2.sandbox

from kes.domain.templates import compiler, errors, runtime, values

MAX_TEMPLATE_DEPTH: Final = 40
MAX_OUTPUT_CHARS: Final = 16 * 1024 * 1024
MAX_RANGE_ITERATIONS: Final = 100_000
MAX_RENDER_SECONDS: Final = 10.0


class Frame:
    """Variable slots of one template execution (slot 0 is ``$``)."""

    __slots__ = ("v",)

    def __init__(self, size: int, root: Any) -> None:
        self.v: list[Any] = [None] * size
        self.v[0] = root

    def __getitem__(self, slot: int) -> Any:
        return self.v[slot]

    def set(self, slot: int, value: Any) -> str:
        self.v[slot] = value
        return ""


class State:
    """Per-render mutable state: template depth, range budget, output size."""

    __slots__ = ("budget", "depth", "output")

    def __init__(self) -> None:
        self.depth = 0
        self.budget = runtime.Budget(iterations=MAX_RANGE_ITERATIONS, seconds=MAX_RENDER_SECONDS)
        self.output = 0


class Unit:
    """One template source compiled: a Jinja2 template per Go tree, plus the shared tables."""

    def __init__(
        self,
        *,
        source: str,
        name: str,
        funcs: dict[str, values.GoFunc],
        env: jinja2.sandbox.ImmutableSandboxedEnvironment,
        missing_zero: bool = False,
    ) -> None:
        self.tables, compiled = compiler.compile_source(
            source, name=name, funcs=funcs, missing_zero=missing_zero
        )
        self.templates: dict[str, tuple[jinja2.Template, int]] = {}
        self.jinja_sources: dict[str, str] = {}
        self.globals: dict[str, Any] = {
            "F": runtime.field,
            "FX": runtime.field_with_args,
            "FZ": runtime.field_zero,
            "C": self._call,
            "E": _raise,
            "RG": _range,
            "TM": self._template,
            "K": tuple(self.tables.consts),
        }
        for tree_name, (jsource, slots) in compiled.items():
            self.jinja_sources[tree_name] = jsource
            self.templates[tree_name] = (env.from_string(jsource, globals=self.globals), slots)

    def execute(self, name: str, dot: Any, state: State) -> str:
        template, slots = self.templates[name]
        # A shared context over one flat dict: Jinja's default merges its globals ChainMap
        # into a new dict on every render, which costs more than most of our templates.
        variables = {**self.globals, "d0": dot, "S": Frame(slots, dot), "R": state}
        context = template.new_context(variables, shared=True)
        chunks: list[str] = []
        for chunk in template.root_render_func(context):
            state.output += len(chunk)
            if state.output > MAX_OUTPUT_CHARS:
                raise errors.ExecError(-1, "output exceeds the size kes allows for a template")
            chunks.append(chunk)
        return "".join(chunks)

    def position(self, node: int) -> tuple[errors.Position, str] | None:
        return self.tables.positions[node] if node >= 0 else None

    def _template(self, state: State, node: int, name: str, dot: Any) -> str:
        if name not in self.templates:
            raise errors.ExecError(node, f"template {errors.go_quote(name)} not defined")
        if state.depth >= MAX_TEMPLATE_DEPTH:
            raise errors.ExecError(node, f"exceeded maximum template depth ({MAX_TEMPLATE_DEPTH})")
        state.depth += 1
        try:
            out = self.execute(name, dot, state)
        finally:
            state.depth -= 1
        # The caller's output counter will count this text again when it is yielded.
        state.output -= len(out)
        return out

    def _call(self, state: State, index: int, *args: Any) -> Any:
        site = self.tables.sites[index]
        state.budget.check_time(site.cmd_node)
        checked = [
            v if n < 0 else runtime.check_arg(n, v, t)
            for v, n, t in zip(args, site.arg_nodes, site.arg_types, strict=True)
        ]
        if site.callee is not None:
            checked.insert(0, site.callee)
        try:
            result = site.func.fn(*checked)
        except values.FuncError as exc:
            raise errors.ExecError(
                site.cmd_node, f"error calling {site.name}: {exc.message}"
            ) from None
        except (errors.ExecError, RecursionError, MemoryError):
            raise
        except Exception as exc:
            # A Go function would panic; text/template turns that into an error, so do we,
            # naming only the exception type so no argument (a secret) reaches the message.
            raise errors.ExecError(
                site.cmd_node, f"error calling {site.name}: {type(exc).__name__}"
            ) from None
        runtime.check_size(site.cmd_node, site.name, result)
        return result


def _raise(node: int, message: str) -> Any:
    raise errors.ExecError(node, message)


def _range(state: State, node: int, value: Any, decls: int) -> Any:
    return runtime.iterate(node, value, decls=decls, budget=state.budget)


for _entry in (
    runtime.field,
    runtime.field_zero,
    runtime.field_with_args,
    _raise,
    _range,
    Unit._call,
    Unit._template,
    Frame.set,
):
    # A marker only kes's runtime entry points carry; data values never have attributes.
    setattr(_entry, "_kes_trusted", True)  # noqa: B010 - functions take no typed attributes


class Sandbox(jinja2.sandbox.ImmutableSandboxedEnvironment):
    """The immutable sandbox, with a fast path for calls into kes's own runtime entry points.

    Generated code only ever calls those entry points; skipping Jinja's per-call introspection
    for them roughly halves the cost of a small template. Anything else still goes through the
    sandbox's checks.
    """

    def call(
        __self,  # noqa: N805 - Jinja's signature: the double underscores avoid kwarg clashes
        __context: jinja2.runtime.Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if getattr(__obj, "_kes_trusted", False) and not kwargs:
            return __obj(*args)
        return super().call(__context, __obj, *args, **kwargs)


def make_environment() -> Sandbox:
    """The one sandbox all templates run in: Go printing, do/break/continue, no autoescape."""
    return Sandbox(
        finalize=runtime.finalize,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"],
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        cache_size=0,
        auto_reload=False,
    )
