"""Exec in a running container over the pods/exec websocket, with stdin/stdout/stderr and exit code.

Kanister's `pkg/kube/exec.go`: no TTY, stdin only when given, and on failure an `ExecError` whose
text carries the last 10 lines of each stream:
`"<err>.\\nstdout: <last 10 lines>\\nstderr: <last 10 lines>"`.
Each call uses its own `ApiClient` because the library's websocket helper swaps the client's
request method for the duration of the call (not thread-safe on a shared client).

A command may not be idempotent, so an exec is never repeated once the upgrade succeeded; an
upgrade refused with 429 or 5xx, or a connection that could not be made, started nothing and is
retried (`retrying`). The connection and the upgrade have the Api's timeout.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import websocket
from kubernetes import stream as k8s_stream
from kubernetes.client import CoreV1Api
from kubernetes.client import exceptions as client_exceptions

from kes.adapters.k8s import client, errors, pods, retrying, waiting

_STDOUT, _STDERR, _ERROR = 1, 2, 3
_HANDSHAKE_STATUS = re.compile(r"Handshake status (\d{3})")


@dataclass(frozen=True)
class ExecResult:
    stdout: bytes
    stderr: bytes
    exit_code: int


class ExecError(errors.ApiError):
    """The command failed (non-zero exit, or the exec itself failed); carries the stream tails."""

    def __init__(self, cause: str, *, stdout: bytes, stderr: bytes, exit_code: int | None) -> None:
        self.cause = cause
        self.stdout = stdout
        self.stderr = stderr
        self.exit_code = exit_code
        message = (
            f"{cause}.\nstdout: {pods.tail_text(stdout)}\nstderr: {pods.tail_text(stderr)}"
        )
        super().__init__(message)


def _exit_code(status_text: str) -> tuple[int, str]:
    """Exit code and message from the error channel's metav1.Status (empty = success)."""
    if not status_text.strip():
        return 0, ""
    try:
        status: dict[str, Any] = json.loads(status_text)
    except ValueError:
        return 1, status_text.strip()
    if status.get("status") == "Success":
        return 0, ""
    causes = (status.get("details") or {}).get("causes") or []
    for cause in causes:
        if cause.get("reason") == "ExitCode":
            with contextlib.suppress(TypeError, ValueError):
                code = int(cause.get("message"))
                return code, f"command terminated with exit code {code}"
    return -1, str(status.get("message") or "exec failed")


def run(
    api: client.Api,
    *,
    namespace: str,
    pod: str,
    command: list[str],
    container: str = "",
    stdin: bytes | None = None,
    cancel: threading.Event | None = None,
    on_stdout: Callable[[bytes], None] | None = None,
    on_stderr: Callable[[bytes], None] | None = None,
) -> ExecResult:
    """Run `command`; raise `ExecError` on a non-zero exit, `WaitCancelledError` on cancel."""
    own = api.fresh_client()
    stdout: list[bytes] = []
    stderr: list[bytes] = []
    kwargs: dict[str, Any] = {
        "command": command,
        "stdin": stdin is not None,
        "stdout": True,
        "stderr": True,
        "tty": False,
        "_preload_content": False,
        "binary": True,
    }
    if container:
        kwargs["container"] = container
    # The library passes no timeout to websocket-client's connect: its default applies.
    websocket.setdefaulttimeout(api.timeout_s)

    def upgrade() -> Any:
        try:
            return k8s_stream.stream(
                CoreV1Api(own).connect_get_namespaced_pod_exec, pod, namespace, **kwargs
            )
        except Exception as exc:  # the library fails here in several ways
            failure = ExecError(
                f"Failed to exec command in pod: {_handshake_error(exc)}",
                stdout=b"",
                stderr=b"",
                exit_code=None,
            )
            if _refused_before_start(exc):
                raise errors.ApiUnavailableError(str(failure)) from failure
            raise failure from exc

    try:
        try:
            ws = retrying.call(upgrade, what=f"Exec in pod {namespace}/{pod}", cancel=cancel)
        except errors.ApiUnavailableError as exc:
            if isinstance(exc.__cause__, ExecError):
                raise exc.__cause__ from None
            raise
        error_text = ""
        try:
            if stdin is not None:
                ws.write_stdin(stdin)
                with contextlib.suppress(Exception):
                    ws.close_channel(0)
            while ws.is_open():
                if cancel is not None and cancel.is_set():
                    raise waiting.WaitCancelledError(f"Cancelled exec in pod {namespace}/{pod}.")
                ws.update(timeout=0.05)
                _drain(ws, _STDOUT, stdout, on_stdout)
                _drain(ws, _STDERR, stderr, on_stderr)
            _drain(ws, _STDOUT, stdout, on_stdout)
            _drain(ws, _STDERR, stderr, on_stderr)
            raw_error = ws.read_channel(_ERROR)
            error_text = raw_error.decode("utf-8", "replace") if raw_error else ""
        finally:
            with contextlib.suppress(Exception):
                ws.close()
    finally:
        own.close()
    out, err = b"".join(stdout), b"".join(stderr)
    code, message = _exit_code(error_text)
    if code != 0:
        raise ExecError(
            f"Failed to exec command in pod: {message}", stdout=out, stderr=err, exit_code=code
        )
    return ExecResult(stdout=out, stderr=err, exit_code=0)


def _refused_before_start(exc: BaseException) -> bool:
    """An upgrade answered 429/5xx, or a connection refused: the command never started. (A
    timeout is not: the server may have started the command before its answer was lost.)"""
    seen: BaseException | None = exc
    for _ in range(10):  # a chain of causes is short; never loop on a strange one
        if seen is None:
            break
        if isinstance(seen, ConnectionRefusedError):
            return True
        match = _HANDSHAKE_STATUS.search(str(getattr(seen, "reason", "") or seen))
        if match is not None:
            code = int(match.group(1))
            return code == 429 or code >= 500
        seen = seen.__context__ or seen.__cause__
    return False


def _handshake_error(exc: BaseException) -> str:
    """The API's Status message from a failed websocket upgrade (the library buries it).

    On a non-101 answer the library raises ApiException(status 0) whose reason ends with the
    response body, and while re-raising it fails with AttributeError; walk the chain for it.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, client_exceptions.ApiException):
            text = str(seen.reason or "")
            body = text.rsplit("-+-+-", 1)[-1].strip()
            message, _ = errors.status_message(body)
            return message or text or "exec failed"
        seen = seen.__context__
    if isinstance(exc, errors.ApiError):
        return str(exc)
    return f"exec failed: {exc}"


def _drain(
    ws: Any, channel: int, sink: list[bytes], callback: Callable[[bytes], None] | None
) -> None:
    data = ws.read_channel(channel)
    if data:
        sink.append(data)
        if callback is not None:
            callback(data)
