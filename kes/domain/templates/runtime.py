"""What compiled templates call at run time: field access, argument checks, range, printing.

The generated Jinja2 code never touches Python attributes of the data: every ``.Field`` goes through
``field`` here (map keys and GoStruct fields only), every function call through ``check_arg`` and a
GoFunc, so text/template's semantics and error wording live in one place. Errors are raised as
``ExecError(node, message)`` and positioned by the compiled unit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Final

from kes.domain.templates import errors, gofmt, methods, values

REFLECT_VALUE: Final = "reflect.Value"
NILLABLE: Final = ("interface {}", REFLECT_VALUE)


class NilPointer:
    """A struct field holding a nil pointer (``.Profile`` without a profile).

    Go tells it apart from a nil interface: it prints ``<nil>`` (not ``<no value>``) and a field
    of it fails with ``nil pointer evaluating *T.X``. Functions receive plain ``None``.
    """

    __slots__ = ("go_type",)

    def __init__(self, go_type: str) -> None:
        self.go_type = go_type

    def __bool__(self) -> bool:
        return False


# ---------------------------------------------------------------------------------------------
# printing and truth


def finalize(value: Any) -> str:
    """How ``{{ pipeline }}`` prints: fmt's %v, with an invalid/nil interface as ``<no value>``."""
    if type(value) is str:
        return value
    if value is None or value is values.NO_VALUE:
        return "<no value>"
    if type(value) is NilPointer:
        return "<nil>"
    if isinstance(value, list | tuple | dict) and expanded_size(-1, value) > MAX_VALUE_ELEMENTS:
        raise errors.ExecError(-1, "value too big to print")
    return gofmt.format_value(value)


def truth(value: Any) -> bool:
    return values.truth(value)


# ---------------------------------------------------------------------------------------------
# field access


def _go_type(value: Any) -> str:
    return values.type_of(value)


def field(node: int, receiver: Any, *names: str) -> Any:
    """Go's evalFieldChain for ``.A.B.C`` on maps and structs (missingkey=error)."""
    static_type = _go_type(receiver)
    for name in names:
        receiver, static_type = _field(node, receiver, name, static_type)
    return receiver


def field_zero(node: int, receiver: Any, *names: str) -> Any:
    """The same with missingkey=zero (Kanister's Wait conditions): a missing key is the zero."""
    static_type = _go_type(receiver)
    for name in names:
        receiver, static_type = _field(node, receiver, name, static_type, zero=True)
    return receiver


def field_with_args(node: int, receiver: Any, names: list[str], *args: Any) -> Any:
    """``.A.B arg``: a method call with arguments, or Go's refusal for a field or map key."""
    static_type = _go_type(receiver)
    for name in names[:-1]:
        receiver, static_type = _field(node, receiver, name, static_type)
    name = names[-1]
    method = methods.lookup(receiver, name)
    if method is not None:
        return call_method(node, method, receiver, args)
    _field(node, receiver, name, static_type)
    if isinstance(receiver, values.GoStruct):
        raise errors.ExecError(node, f"{name} has arguments but cannot be invoked as function")
    raise errors.ExecError(node, f"{name} is not a method but has arguments")


def call_method(node: int, method: values.GoFunc, receiver: Any, args: tuple[Any, ...]) -> Any:
    """Go's evalCall for a method: arity, argument checks, then the call."""
    params = method.params[1:]
    if len(args) != len(params):
        raise errors.ExecError(
            node, f"wrong number of args for {method.name}: want {len(params)} got {len(args)}"
        )
    checked = [check_arg(node, value, typ) for value, typ in zip(args, params, strict=True)]
    try:
        return method.fn(receiver, *checked)
    except values.FuncError as exc:
        raise errors.ExecError(node, f"error calling {method.name}: {exc.message}") from None


def _field(
    node: int, receiver: Any, name: str, static_type: str, *, zero: bool = False
) -> tuple[Any, str]:
    method = methods.lookup(receiver, name)
    if method is not None:
        return call_method(node, method, receiver, ()), method.result
    if receiver is values.NO_VALUE or (receiver is None and static_type == "<nil>"):
        if zero:
            return None, "<nil>"
        raise errors.ExecError(node, f"nil data; no entry for key {errors.go_quote(name)}")
    if type(receiver) is NilPointer:
        raise errors.ExecError(node, f"nil pointer evaluating {receiver.go_type}.{name}")
    if receiver is None:
        if static_type == "<nil>":
            raise errors.ExecError(node, f"nil data; no entry for key {errors.go_quote(name)}")
        raise errors.ExecError(node, f"nil pointer evaluating {static_type}.{name}")
    if isinstance(receiver, dict):
        if name in receiver:
            elem = receiver[name]
            if isinstance(receiver, values.TypedMap):
                return elem, receiver.elem_type
            # A map[string]interface{} element's static type is the interface, as Go reports it.
            return elem, "interface {}"
        if zero:
            if isinstance(receiver, values.TypedMap):
                return receiver.zero, receiver.elem_type
            return None, "interface {}"
        raise errors.ExecError(node, f"map has no entry for key {errors.go_quote(name)}")
    if isinstance(receiver, values.GoStruct):
        if receiver.has_field(name):
            elem = receiver.field(name)
            if elem is None:
                # The declared type is not recorded; Kanister's pointer fields are mostly
                # param.<Field> (Profile, Phase), which is the best guess for the message.
                nil = NilPointer(f"*param.{name}")
                return nil, nil.go_type
            return elem, _go_type(elem)
        raise errors.ExecError(node, f"can't evaluate field {name} in type {receiver.go_type}")
    raise errors.ExecError(node, f"can't evaluate field {name} in type {static_type}")


# ---------------------------------------------------------------------------------------------
# argument checks (validateType)


def check_arg(node: int, value: Any, typ: str) -> Any:
    """Go's validateType: is ``value`` assignable to a parameter of Go type ``typ``?"""
    if typ in NILLABLE:
        return None if value is values.NO_VALUE or type(value) is NilPointer else value
    if value is None or value is values.NO_VALUE or type(value) is NilPointer:
        if typ.startswith(("[]", "map[", "*")):
            return None
        raise errors.ExecError(node, f"invalid value; expected {typ}")
    if assignable(value, typ):
        return value
    raise errors.ExecError(node, f"wrong type for value; expected {typ}; got {_go_type(value)}")


def assignable(value: Any, typ: str) -> bool:
    if typ == "string":
        return isinstance(value, str)
    if typ == "bool":
        return isinstance(value, bool)
    if typ == "int":
        return isinstance(value, values.GoInt)
    if typ == "int64":
        return type(value) is int
    if typ == "float64":
        return isinstance(value, float)
    if typ == "[]interface {}":
        return isinstance(value, list | tuple) and not isinstance(value, values.TypedList)
    if typ == "map[string]interface {}":
        return isinstance(value, dict) and not isinstance(value, values.TypedMap)
    if typ == "[]uint8":
        return isinstance(value, bytes | bytearray)
    if typ.startswith("[]"):
        return isinstance(value, values.TypedList) and value.go_type == typ
    if typ.startswith("map["):
        return isinstance(value, values.TypedMap) and value.go_type == typ
    if typ == "*semver.Version":
        return isinstance(value, values.GoStruct) and value.go_type == typ
    return True


# ---------------------------------------------------------------------------------------------
# range


class RangeIter:
    """The iteration of one ``range``; ``ran`` tells whether the body ran (for ``else``)."""

    __slots__ = ("pairs", "ran")

    def __init__(self, pairs: Iterator[tuple[Any, Any]]) -> None:
        self.pairs = pairs
        self.ran = False

    def __iter__(self) -> RangeIter:
        return self

    def __next__(self) -> tuple[Any, Any]:
        pair = next(self.pairs)
        self.ran = True
        return pair


class Budget:
    """What one render may spend: range iterations, wall-clock time, size of built values."""

    __slots__ = ("deadline", "iterations")

    def __init__(self, *, iterations: int, seconds: float) -> None:
        self.iterations = iterations
        self.deadline = time.monotonic() + seconds

    def tick(self, node: int) -> None:
        self.iterations -= 1
        if self.iterations < 0:
            raise errors.ExecError(node, "range exceeded the iteration limit kes allows")
        self.check_time(node)

    def check_time(self, node: int) -> None:
        if time.monotonic() > self.deadline:
            raise errors.ExecError(node, "template ran longer than kes allows")


MAX_VALUE_CHARS: Final = 16 * 1024 * 1024  # a string's characters or a []byte's bytes
# Elements of a list or map as printing expands them; strings inside weigh one per 16 characters.
MAX_VALUE_ELEMENTS: Final = 1_000_000
MAX_VALUE_DEPTH: Final = 200  # lists and maps nested in each other (Python prints ~900 deep)


def check_size(node: int, name: str, value: Any) -> None:
    """Refuse a function result too big to keep (``$s = cat $s $s`` doubling in a loop)."""
    if isinstance(value, str | bytes | bytearray):
        too_big = len(value) > MAX_VALUE_CHARS
    elif isinstance(value, list | tuple | dict):
        too_big = expanded_size(node, value) > MAX_VALUE_ELEMENTS
    else:
        return
    if too_big:
        raise errors.ExecError(node, f"error calling {name}: result exceeds the size kes allows")


def expanded_size(node: int, value: Any) -> int:
    """Elements of ``value`` counted as printing would visit them (shared parts each time).

    ``$d = list $d $d`` shares one list twice per step, so its printed size doubles while its
    memory does not; memoising per object keeps the walk linear in distinct objects.
    """
    memo: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(value, 0, False)]
    while stack:
        item, depth, finished = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if finished:
            size = len(item)
            for child in children:
                if isinstance(child, list | tuple | dict):
                    size += memo[id(child)]
                elif isinstance(child, str | bytes | bytearray):
                    size += len(child) >> 4
            memo[id(item)] = size
            continue
        if id(item) in memo:
            continue
        if depth > MAX_VALUE_DEPTH:
            raise errors.ExecError(node, "value nested deeper than kes can handle")
        stack.append((item, depth, True))
        stack.extend(
            (child, depth + 1, False)
            for child in children
            if isinstance(child, list | tuple | dict) and id(child) not in memo
        )
    return memo[id(value)]


def iterate(node: int, value: Any, *, decls: int, budget: Budget) -> RangeIter:
    return RangeIter(_pairs(node, value, decls=decls, budget=budget))


def _pairs(node: int, value: Any, *, decls: int, budget: Budget) -> Iterator[tuple[Any, Any]]:
    """Go's walkRange order: (index/key, element) pairs; maps by sorted key; ints 0..n-1."""
    if value is None or value is values.NO_VALUE:
        return iter(())
    if isinstance(value, bool | str | float | NilPointer):
        raise errors.ExecError(node, _cannot_range(value))
    if isinstance(value, int):
        if decls > 1:
            raise errors.ExecError(
                node,
                f"can't use {gofmt.format_value(value)} to iterate over more than one variable",
            )
        kind = type(value)
        return _counted(((kind(i), kind(i)) for i in range(value)), budget, node)
    if isinstance(value, dict):
        return _counted(((k, value[k]) for k in sorted(value)), budget, node)
    if isinstance(value, list | tuple | bytes | bytearray):
        return _counted(((values.GoInt(i), v) for i, v in enumerate(value)), budget, node)
    if isinstance(value, values.GoStruct):
        raise errors.ExecError(node, _cannot_range(value))
    raise errors.ExecError(node, _cannot_range(value))


def _counted(
    pairs: Iterator[tuple[Any, Any]], budget: Budget, node: int
) -> Iterator[tuple[Any, Any]]:
    for pair in pairs:
        budget.tick(node)
        yield pair


def _cannot_range(value: Any) -> str:
    """Go prints the value itself; a string may be a decoded secret, so kes names its type."""
    if isinstance(value, str):
        return f"range can't iterate over a value of type {_go_type(value)}"
    if isinstance(value, NilPointer):
        return "range can't iterate over <nil>"
    return f"range can't iterate over {gofmt.format_value(value)}"
