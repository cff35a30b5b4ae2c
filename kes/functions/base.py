"""What every Kanister function gets and gives: the phase context, the spec, and the errors.

The controller builds a `PhaseContext` per phase run and calls `FunctionSpec.run(ctx, args)` with
the rendered args; the function validates and decodes them itself and returns the phase output
(a dict, or None where Kanister returns nil). Functions hold no per-call state (Kanister's shared
singletons race between concurrent phases; ours are plain functions).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kes.adapters.k8s import client
from kes.domain.templates import rendering
from kes.functions import podmeta

DEFAULT_VERSION = "v0.0.0"

Output = dict[str, Any] | None
RunFunction = Callable[["PhaseContext", dict[str, Any]], Output]


class FunctionError(Exception):
    """A phase failed; the message is what the ActionSet status shows (Kanister's wording).

    `output` carries what Kanister returns together with an error (ScaleWorkload's
    `originalReplicaCount` when the scale itself fails).
    """

    def __init__(self, message: str, *, output: Output = None) -> None:
        super().__init__(message)
        self.output = output


class FunctionCancelledError(FunctionError):
    """The phase stopped because `ctx.cancel` was set (ActionSet deleted or timed out)."""

    def __init__(self, message: str = "context canceled") -> None:
        super().__init__(message)


class ArgumentError(FunctionError):
    """An argument is missing, unsupported, or cannot be decoded to its type."""


class FunctionNotFoundError(FunctionError):
    """No function is registered under that name (or version)."""


@dataclass(frozen=True)
class ActionSetRef:
    """The ActionSet a phase belongs to (pods get its `kanister.io/JobID` label)."""

    name: str
    namespace: str
    uid: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)


def _ignore_log(_line: str) -> None:
    return None


def _ignore_progress(_percent: int) -> None:
    return None


@dataclass(frozen=True)
class PhaseContext:
    """Everything a function may use besides its args; built by the controller per phase."""

    api: client.Api
    namespace: str
    action_set: ActionSetRef
    template_params: Mapping[str, Any] = field(default_factory=dict)
    pod_override: Mapping[str, Any] | None = None
    pod_labels: Mapping[str, str] = field(default_factory=dict)
    pod_annotations: Mapping[str, str] = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)
    phase: str = ""  # the phase's name, put on its pods so a restarted controller finds them
    on_log: Callable[[str], None] = _ignore_log
    on_progress: Callable[[int], None] = _ignore_progress


@dataclass(frozen=True)
class FunctionSpec:
    """A Kanister function as the registry knows it; `run` is None when kes does not run it yet."""

    name: str
    required_args: tuple[str, ...]
    all_args: tuple[str, ...]
    idempotent: bool
    run: RunFunction | None
    version: str = DEFAULT_VERSION
    outputs: tuple[str, ...] = ()
    category: str = "core"
    creates_pods: bool = False
    # Args whose values are credentials (restic's `encryptionKey`): the controller masks them
    # out of everything it records, even when a Blueprint writes them literally.
    secret_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # `run` checks the args as Kanister's phase does before Exec, so every caller gets the
        # same wrapped messages without remembering to call `check_args` first.
        inner = self.run
        if inner is None or getattr(inner, "checks_args", False):
            return

        @functools.wraps(inner)
        def checked(ctx: PhaseContext, args: dict[str, Any]) -> Output:
            self.check_args(args)
            return inner(ctx, args)

        checked.checks_args = True  # type: ignore[attr-defined]
        object.__setattr__(self, "run", checked)

    def secret_values(self, args: Mapping[str, Any]) -> list[str]:
        """The values of this function's secret args in `args` (for masking)."""
        return [str(args[name]) for name in self.secret_args if args.get(name)]

    def check_args(self, args: Mapping[str, Any]) -> None:
        """Kanister's phase checks: required args first, then supported args, wrapped as it does."""
        for name in self.required_args:
            if name not in args:
                raise ArgumentError(
                    f"Required args missing for function {self.name}: Required arg missing: {name}"
                )
        supported = set(self.all_args)
        for name in sorted(str(a) for a in args):
            if name not in supported:
                raise ArgumentError(
                    f"Checking supported args for function {self.name}.: "
                    f"argument {name} is not supported"
                )


def validate_args(spec: FunctionSpec, args: Mapping[str, Any]) -> None:
    """Kanister's `Func.Validate` as Blueprint validation uses it (unwrapped messages): pod
    labels/annotations for pod-creating functions, then supported args, then required args."""
    if spec.creates_pods or {"podLabels", "podAnnotations"} & set(spec.all_args):
        try:
            podmeta.validate(args)
        except podmeta.PodMetaError as exc:
            raise ArgumentError(str(exc)) from None
    supported = set(spec.all_args)
    for name in sorted(str(a) for a in args):
        if name not in supported:
            raise ArgumentError(f"argument {name} is not supported")
    for name in spec.required_args:
        if name not in args:
            raise ArgumentError(f"Required arg missing: {name}")
    for name, value in args.items():
        if rendering.args_depth(value) >= rendering.MAX_ARGS_DEPTH:
            raise ArgumentError(
                f"argument {name} is nested {rendering.MAX_ARGS_DEPTH} or more levels deep"
            )


def reports_progress(run: RunFunction) -> RunFunction:
    """Kanister sets progress 0 when a function starts and 100 when it exits (even on error)."""

    @functools.wraps(run)
    def wrapper(ctx: PhaseContext, args: dict[str, Any]) -> Output:
        ctx.on_progress(0)
        try:
            return run(ctx, args)
        finally:
            ctx.on_progress(100)

    return wrapper
