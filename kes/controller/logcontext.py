"""The run a log line belongs to: namespace, ActionSet, action and phase as structured fields.

The executor binds what it is working on (`bound(namespace=..., actionset=...)`, then
`bound(action=...)`, then `bound(phase=...)`) and every record logged meanwhile on that thread,
by any module (functions and adapters included), carries those fields: `ContextFilter` copies
them onto the record, the JSON formatter writes them as keys and the text formatter as
`key=value` pairs. A context variable rather than logger adapters threaded through every call:
the modules below the executor log as they always did, and the executor only binds.

Threads start with an empty context in Python 3.11; `run_in_context` hands the current one to a
thread the executor starts (one per action).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

FIELDS = ("namespace", "actionset", "action", "phase")

_CONTEXT: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar("kes_log_context")


def current() -> Mapping[str, str]:
    return _CONTEXT.get({})


@contextlib.contextmanager
def bound(**fields: str | None) -> Iterator[None]:
    """Add `fields` (None values are left out) to the context for the duration of the block."""
    added = {k: v for k, v in fields.items() if v is not None}
    token = _CONTEXT.set({**_CONTEXT.get({}), **added})
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def run_in_context(target: Callable[..., Any]) -> Callable[..., Any]:
    """`target` wrapped to run in a copy of the caller's context (for `threading.Thread`)."""
    context = contextvars.copy_context()

    def run(*args: Any, **kwargs: Any) -> Any:
        return context.run(target, *args, **kwargs)

    return run


def thread_target(target: Callable[..., Any], **fields: str | None) -> Callable[..., Any]:
    """`target` for a new thread: the caller's context plus `fields`."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with bound(**fields):
            return target(*args, **kwargs)

    return run_in_context(run)


class ContextFilter(logging.Filter):
    """Puts the current context on each record as `record.kes_context` (a handler filter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.kes_context = dict(_CONTEXT.get({}))
        return True


def text_suffix(record: logging.LogRecord) -> str:
    """` [namespace=ns actionset=name ...]` for text lines, or "" outside a run."""
    fields: Mapping[str, str] = getattr(record, "kes_context", None) or {}
    if not fields:
        return ""
    return " [" + " ".join(f"{k}={fields[k]}" for k in FIELDS if k in fields) + "]"
