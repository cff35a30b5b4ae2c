"""The Kubernetes adapter's pure parts: error mapping, paths, log tails, exit codes, waiting."""

from __future__ import annotations

import json
import threading

import pytest
import urllib3.exceptions
from kubernetes.client import exceptions as client_exceptions

from kes.adapters.k8s import errors, objects, podexec, pods, waiting


def _api_exception(status: int, body: object) -> client_exceptions.ApiException:
    exc = client_exceptions.ApiException(status=status, reason="Reason")
    exc.body = json.dumps(body) if not isinstance(body, str) else body
    return exc


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (401, errors.ApiUnauthorizedError),
        (403, errors.ApiForbiddenError),
        (404, errors.ApiNotFoundError),
        (409, errors.ApiConflictError),
        (410, errors.ApiGoneError),
        (422, errors.ApiInvalidError),
        (429, errors.ApiUnavailableError),
        (500, errors.ApiUnavailableError),
        (400, errors.ApiError),
    ],
)
def test_statuses_map_onto_the_hierarchy_and_chain_the_library_error(
    status: int, cls: type[errors.ApiError]
) -> None:
    library = _api_exception(status, {"message": 'pods "x" not found', "reason": "NotFound"})
    with pytest.raises(cls) as caught, errors.translated():
        raise library
    assert type(caught.value) is cls
    assert str(caught.value) == 'pods "x" not found'
    assert caught.value.status == status
    assert caught.value.__cause__ is library


def test_connection_failures_are_unavailable() -> None:
    with pytest.raises(errors.ApiUnavailableError, match="unreachable"), errors.translated():
        raise urllib3.exceptions.MaxRetryError(None, "/api", "refused")  # type: ignore[arg-type]


def test_a_non_json_body_is_kept_short() -> None:
    with pytest.raises(errors.ApiError) as caught, errors.translated():
        raise _api_exception(502, "x" * 2000)
    assert len(str(caught.value)) == 500


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"group": "", "version": "v1", "resource": "pods", "namespace": "ns", "name": "p"},
         "/api/v1/namespaces/ns/pods/p"),
        ({"group": "apps", "version": "v1", "resource": "deployments", "namespace": "ns"},
         "/apis/apps/v1/namespaces/ns/deployments"),
        ({"group": "cr.kanister.io/", "version": "v1alpha1", "resource": "profiles",
          "namespace": "k", "name": "s3"},
         "/apis/cr.kanister.io/v1alpha1/namespaces/k/profiles/s3"),
        ({"group": "", "version": "v1", "resource": "namespaces", "name": "default"},
         "/api/v1/namespaces/default"),
    ],
)  # fmt: skip
def test_object_paths(kwargs: dict[str, str], path: str) -> None:
    assert objects.path(**kwargs) == path


def test_tail_text_keeps_the_last_ten_non_empty_trimmed_lines() -> None:
    data = "".join(f"  line{i}  \n\n" for i in range(1, 16)).encode()
    assert pods.tail_text(data) == "\r\n".join(f"line{i}" for i in range(6, 16))
    assert pods.tail_text(b"") == ""


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("", (0, "")),
        ('{"status": "Success"}', (0, "")),
        (
            json.dumps({"status": "Failure", "reason": "NonZeroExitCode",
                        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]}}),
            (3, "command terminated with exit code 3"),
        ),
        ('{"status": "Failure", "message": "no such container"}', (-1, "no such container")),
    ],
)  # fmt: skip
def test_exit_code_from_the_error_channel(status: str, expected: tuple[int, str]) -> None:
    assert podexec._exit_code(status) == expected


def test_exec_error_renders_like_kanister() -> None:
    error = podexec.ExecError(
        "Failed to exec command in pod: command terminated with exit code 1",
        stdout=b"a\nb\n",
        stderr=b"oops\n",
        exit_code=1,
    )
    assert str(error) == (
        "Failed to exec command in pod: command terminated with exit code 1.\n"
        "stdout: a\r\nb\nstderr: oops"
    )


def test_poll_returns_the_first_result() -> None:
    calls = iter([None, None, "done"])
    assert waiting.poll(lambda: next(calls), cancel=None, first_delay=0.001) == "done"


def test_poll_stops_when_cancelled() -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(waiting.WaitCancelledError):
        waiting.poll(lambda: None, cancel=cancel)


def test_poll_times_out() -> None:
    with pytest.raises(waiting.WaitTimeoutError, match=r"Timed out after 0\.05s"):
        waiting.poll(lambda: None, cancel=threading.Event(), timeout=0.05, first_delay=0.01)


def test_poll_lets_check_errors_through() -> None:
    def check() -> None:
        raise errors.ApiNotFoundError("gone", status=404)

    with pytest.raises(errors.ApiNotFoundError):
        waiting.poll(check, cancel=None)


def test_tail_text_splits_on_newlines_only() -> None:
    data = "a\x0cb\u2028c\nd\r\n".encode()
    assert pods.tail_text(data) == "a\x0cb\u2028c\r\nd"


def test_getting_an_object_without_a_name_is_refused_before_any_request() -> None:
    # An empty name would address the collection (a List, no metadata.name); client-go refuses.
    with pytest.raises(errors.ApiError, match=r"^resource name may not be empty$"):
        objects.get(
            None,  # type: ignore[arg-type]  # never used: no request is made
            group="apps", version="v1", resource="deployments", namespace="ns", name="",
        )
