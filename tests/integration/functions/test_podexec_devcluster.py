"""The exec adapter on the devcluster: stdin, binary output, exit codes, the default container."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kes.adapters.k8s import podexec, pods
from kes.functions import base


@pytest.fixture
def app(make_ctx: Callable[..., base.PhaseContext], namespace: str) -> str:
    ctx = make_ctx()
    body = {
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {"containers": [{"name": "app", "image": "busybox", "command": ["sleep", "600"]}]},
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="app", cancel=None, timeout=60)
    return "app"


def test_stdin_reaches_the_command(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    result = podexec.run(
        make_ctx().api, namespace=namespace, pod=app, command=["sh", "-c", "head -c 5"],
        stdin=b"hello world",
    )  # fmt: skip
    assert result == podexec.ExecResult(stdout=b"hello", stderr=b"", exit_code=0)


def test_binary_stdout_is_kept_byte_for_byte(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    result = podexec.run(
        make_ctx().api, namespace=namespace, pod=app, command=["printf", "\\377\\000\\n"]
    )
    assert result.stdout == b"\xff\x00\n"


def test_exit_code_and_streams_are_reported(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    with pytest.raises(podexec.ExecError) as caught:
        podexec.run(
            make_ctx().api, namespace=namespace, pod=app, container="app",
            command=["sh", "-c", "echo out; echo err >&2; exit 7"],
        )  # fmt: skip
    assert caught.value.exit_code == 7
    assert (caught.value.stdout, caught.value.stderr) == (b"out\n", b"err\n")


def test_unknown_container_is_an_exec_error(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    with pytest.raises(podexec.ExecError) as caught:
        podexec.run(
            make_ctx().api, namespace=namespace, pod=app, container="nope", command=["true"]
        )
    assert caught.value.exit_code is None
    assert str(caught.value).startswith("Failed to exec command in pod: ")
    assert "nope" in str(caught.value)
