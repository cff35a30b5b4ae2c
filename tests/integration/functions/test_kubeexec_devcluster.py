"""KubeExec and KubeExecAll against the devcluster: stdout markers, exit codes, several pods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kes.adapters.k8s import pods
from kes.functions import base, registry

KubeExec = registry.lookup("KubeExec")
KubeExecAll = registry.lookup("KubeExecAll")


def _app_pod(ctx: base.PhaseContext, *, namespace: str, name: str, who: str) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "busybox",
                    "command": ["sleep", "600"],
                    "env": [{"name": "WHO", "value": who}],
                }
            ]
        },
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name=name, cancel=None, timeout=60)


@pytest.fixture
def app(make_ctx: Callable[..., base.PhaseContext], namespace: str) -> str:
    _app_pod(make_ctx(), namespace=namespace, name="app-0", who="zero")
    return "app-0"


def test_markers_from_stdout(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str, recorder: Any
) -> None:
    assert KubeExec.run is not None
    command = ["sh", "-c", 'echo hi; kando output who "$WHO"; echo oops >&2']
    out = KubeExec.run(make_ctx(), {"namespace": namespace, "pod": app, "command": command})
    assert out == {"who": "zero"}
    assert "hi" in recorder.lines and "oops" in recorder.lines


@pytest.mark.parametrize("command", ["true", "echo no markers here"])
def test_no_marker_is_none(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str, command: str
) -> None:
    assert KubeExec.run is not None
    args = {
        "namespace": namespace,
        "pod": app,
        "container": "app",
        "command": ["sh", "-c", command],
    }
    assert KubeExec.run(make_ctx(), args) is None


def test_non_zero_exit_fails_with_both_tails(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    assert KubeExec.run is not None
    command = "for i in $(seq 1 12); do echo out$i; done; echo err1 >&2; exit 4"
    with pytest.raises(base.FunctionError) as caught:
        KubeExec.run(
            make_ctx(), {"namespace": namespace, "pod": app, "command": ["sh", "-c", command]}
        )
    stdout_tail = "\r\n".join(f"out{i}" for i in range(3, 13))
    assert str(caught.value) == (
        "Failed to exec command in pod: command terminated with exit code 4.\n"
        f"stdout: {stdout_tail}\nstderr: err1"
    )


def test_missing_pod_fails(make_ctx: Callable[..., base.PhaseContext], namespace: str) -> None:
    assert KubeExec.run is not None
    with pytest.raises(base.FunctionError, match=r'^Failed to exec command in pod: .*"nope"'):
        KubeExec.run(make_ctx(), {"namespace": namespace, "pod": "nope", "command": ["true"]})


def test_exec_all_merges_the_markers_of_every_pod(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str, recorder: Any
) -> None:
    ctx = make_ctx()
    _app_pod(ctx, namespace=namespace, name="app-1", who="one")
    assert KubeExecAll.run is not None
    out = KubeExecAll.run(
        ctx,
        {
            "namespace": namespace,
            "pods": f"{app} app-1",
            "containers": "app",
            "command": ["sh", "-c", 'echo "hello-$WHO"; kando output "from_$WHO" "$WHO"'],
        },
    )
    assert out == {"from_zero": "zero", "from_one": "one"}
    assert {"hello-zero", "hello-one"} <= set(recorder.lines)


def test_exec_all_joins_the_errors(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    assert KubeExecAll.run is not None
    with pytest.raises(base.FunctionError) as caught:
        KubeExecAll.run(
            make_ctx(),
            {"namespace": namespace, "pods": f"{app} ghost-1 ghost-2", "containers": "app",
             "command": ["true"]},
        )  # fmt: skip
    lines = [line for line in str(caught.value).split("\n") if line.startswith("Failed to exec")]
    assert len(lines) == 2
    assert '"ghost-1"' in lines[0] and '"ghost-2"' in lines[1]


def test_stdout_lines_are_logged_while_the_command_runs(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str, tmp_path: Path
) -> None:
    # The command only finishes once the test has seen its first line: proof of live logging.
    go = tmp_path / "go"

    def on_log(line: str) -> None:
        if line == "first":
            go.touch()

    command = (
        f"echo first; i=0; while [ ! -e {go} ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done;"
        f" [ -e {go} ] && kando output seen yes"
    )
    assert KubeExec.run is not None
    out = KubeExec.run(
        make_ctx(on_log=on_log),
        {"namespace": namespace, "pod": app, "command": ["sh", "-c", command]},
    )
    assert out == {"seen": "yes"}


def test_bad_marker_json_fails_after_a_successful_command(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    assert KubeExec.run is not None
    command = ["sh", "-c", "echo '###Phase-output###: {broken'"]
    with pytest.raises(base.FunctionError, match=r"^Failed to unmarshal key-value pair$"):
        KubeExec.run(make_ctx(), {"namespace": namespace, "pod": app, "command": command})


def test_exec_error_wins_over_a_bad_marker(
    make_ctx: Callable[..., base.PhaseContext], namespace: str, app: str
) -> None:
    assert KubeExec.run is not None
    command = ["sh", "-c", "echo '###Phase-output###: {broken'; exit 2"]
    with pytest.raises(base.FunctionError, match=r"exit code 2\.\nstdout: ###Phase-output###"):
        KubeExec.run(make_ctx(), {"namespace": namespace, "pod": app, "command": command})
