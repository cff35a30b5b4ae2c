"""The process kubelet over real HTTPS with the official Python client: run, logs, exec."""

from __future__ import annotations

import json
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import websocket
from kubernetes import client, stream, watch
from kubernetes.client.rest import ApiException

DEADLINE = 60


@pytest.fixture
def core(devcluster: Any) -> client.CoreV1Api:
    return client.CoreV1Api(devcluster.api_client)


@pytest.fixture
def ns(core: client.CoreV1Api) -> str:
    name = f"k-{uuid.uuid4().hex[:8]}"
    core.create_namespace({"metadata": {"name": name}})
    return name


def wait_pod(
    core: client.CoreV1Api, ns: str, name: str, predicate: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """Watch one pod (field selector) until `predicate` holds, with a deadline."""
    end = time.monotonic() + DEADLINE
    last: dict[str, Any] = {}
    while time.monotonic() < end:
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_pod, ns,
                              field_selector=f"metadata.name={name}", timeout_seconds=5):
            last = event["raw_object"]
            if predicate(last):
                w.stop()
                return last
    raise AssertionError(f"pod {name} never matched; last: {last.get('status')}")


def read_log(core: client.CoreV1Api, name: str, ns: str, **params: Any) -> str:
    # The client (33-36) turns a `str` response into the repr of its bytes; read the raw body.
    response = core.read_namespaced_pod_log(name, ns, _preload_content=False, **params)
    text: str = response.data.decode()
    return text


def phase_in(*phases: str) -> Callable[[dict[str, Any]], bool]:
    return lambda pod: (pod.get("status") or {}).get("phase") in phases


def _pod(name: str, container: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"containers": [{"name": "main", "image": "busybox", **container}], **spec}}


def test_pod_runs_to_completion_and_serves_its_log(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("job", {
        "command": ["sh", "-c", "for i in 1 2 3; do echo line $i; done"]},
        restartPolicy="Never"))
    done = wait_pod(core, ns, "job", phase_in("Succeeded", "Failed"))
    assert done["status"]["phase"] == "Succeeded"
    assert done["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0
    log = read_log(core, "job", ns, container="main")
    assert log == "line 1\nline 2\nline 3\n"
    assert read_log(core, "job", ns, tail_lines=1) == "line 3\n"
    stamped = read_log(core, "job", ns, timestamps=True).splitlines()
    assert [line.split(" ", 1)[1] for line in stamped] == ["line 1", "line 2", "line 3"]
    assert all(line[:4].isdigit() and line.split(" ", 1)[0].endswith("Z") for line in stamped)


def test_failed_pod_reports_exit_code(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("fail", {"command": ["sh", "-c", "echo bye; exit 4"]},
                                        restartPolicy="Never"))
    done = wait_pod(core, ns, "fail", phase_in("Succeeded", "Failed"))
    assert done["status"]["phase"] == "Failed"
    terminated = done["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (4, "Error")


def test_log_errors_use_the_apiserver_wording(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("one", {"command": ["true"]}, restartPolicy="Never"))
    wait_pod(core, ns, "one", phase_in("Succeeded"))
    with pytest.raises(ApiException) as wrong:
        core.read_namespaced_pod_log("one", ns, container="nope")
    assert wrong.value.status == 400
    assert "container nope is not valid for pod one" in wrong.value.body
    with pytest.raises(ApiException) as previous:
        core.read_namespaced_pod_log("one", ns, previous=True)
    assert json.loads(previous.value.body)["message"] == (
        'previous terminated container "main" in pod "one" not found')
    with pytest.raises(ApiException) as missing:
        core.read_namespaced_pod_log("ghost", ns)
    assert missing.value.status == 404


def test_follow_streams_until_the_container_exits(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("slow", {
        "command": ["sh", "-c", "echo first; sleep 1; echo second"]}, restartPolicy="Never"))
    wait_pod(core, ns, "slow", phase_in("Running", "Succeeded"))
    response = core.read_namespaced_pod_log("slow", ns, follow=True, _preload_content=False)
    try:
        body = b"".join(response.stream(64))
    finally:
        response.release_conn()
    assert body == b"first\nsecond\n"


def test_exec_runs_in_the_container_environment(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("shell", {
        "workingDir": "/data", "env": [{"name": "GREETING", "value": "hi"}],
        "volumeMounts": [{"name": "scratch", "mountPath": "/data"}]},
        volumes=[{"name": "scratch", "emptyDir": {}}]))
    wait_pod(core, ns, "shell", phase_in("Running"))
    out = stream.stream(core.connect_get_namespaced_pod_exec, "shell", ns,
                        command=["sh", "-c", "echo $GREETING from $(pwd) > note; cat note"],
                        stderr=True, stdin=False, stdout=True, tty=False)
    assert out == "hi from /data\n"

    resp = stream.stream(core.connect_get_namespaced_pod_exec, "shell", ns,
                         command=["sh", "-c", "cat; echo err >&2; exit 7"],
                         stderr=True, stdin=True, stdout=True, tty=False,
                         _preload_content=False)
    resp.write_stdin("from stdin\n")
    resp.close_channel(0)
    resp.run_forever(timeout=DEADLINE)
    assert resp.read_stdout() == "from stdin\n"
    assert resp.read_stderr() == "err\n"
    assert resp.returncode == 7
    resp.close()


def test_exec_into_a_finished_pod_is_refused(
    devcluster: Any, core: client.CoreV1Api, ns: str
) -> None:
    core.create_namespaced_pod(ns, _pod("over", {"command": ["true"]}, restartPolicy="Never"))
    wait_pod(core, ns, "over", phase_in("Succeeded"))
    # The Python client loses the body of a refused handshake, so speak WebSocket directly.
    url = (f"wss://127.0.0.1:{devcluster.port}/api/v1/namespaces/{ns}/pods/over/exec"
           "?command=true&stdout=true&stderr=true")
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(
            url, header=[f"Authorization: Bearer {devcluster.token}"],
            subprotocols=["v5.channel.k8s.io"],
            sslopt={"ca_certs": str(devcluster.data_dir / "pki" / "ca.crt")})
    assert refused.value.status_code == 400
    body = json.loads(refused.value.resp_body or b"{}")
    assert (body["reason"], body["message"]) == ("BadRequest", 'container not found ("main")')


def test_deleting_a_pod_stops_its_process(core: client.CoreV1Api, ns: str) -> None:
    # A unique duration tells this test's process apart from any other run's.
    duration = f"1000.{uuid.uuid4().int % 10**6}"
    core.create_namespaced_pod(ns, _pod("sleeper", {"command": ["sleep", duration]},
                                        terminationGracePeriodSeconds=2))
    wait_pod(core, ns, "sleeper", phase_in("Running"))
    marker = f"sleep {duration}"
    core.delete_namespaced_pod("sleeper", ns)
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end and _has_process(marker, ns):
        time.sleep(0.1)
    assert not _has_process(marker, ns)


def _has_process(marker: str, ns: str) -> bool:
    # The sleeper's environment carries no namespace; look for the command line itself.
    import pathlib

    for proc in pathlib.Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if cmdline.strip() == marker:
                return True
    return False


def _raw_exec(devcluster: Any, ns: str, pod: str, query: str, protocol: str) -> Any:
    url = f"wss://127.0.0.1:{devcluster.port}/api/v1/namespaces/{ns}/pods/{pod}/exec?{query}"
    return websocket.create_connection(
        url, header=[f"Authorization: Bearer {devcluster.token}"], subprotocols=[protocol],
        sslopt={"ca_certs": str(devcluster.data_dir / "pki" / "ca.crt")})


def _frames(conn: Any) -> list[tuple[int, bytes]]:
    frames: list[tuple[int, bytes]] = []
    while True:
        opcode, data = conn.recv_data()
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return frames
        frames.append((data[0], bytes(data[1:])))


def test_exec_speaks_v4_and_v5_framing(devcluster: Any, core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("frames", {}))
    wait_pod(core, ns, "frames", phase_in("Running"))

    v4 = _raw_exec(devcluster, ns, "frames",
                   "command=sh&command=-c&command=echo+hi%3B+exit+2&stdout=true&stderr=true",
                   "v4.channel.k8s.io")
    assert v4.subprotocol == "v4.channel.k8s.io"
    frames = _frames(v4)
    v4.close()
    assert (1, b"hi\n") in frames
    channel, status = frames[-1]
    assert channel == 3
    parsed = json.loads(status)
    assert parsed["reason"] == "NonZeroExitCode"
    assert parsed["details"]["causes"][0] == {"reason": "ExitCode", "message": "2"}

    v5 = _raw_exec(devcluster, ns, "frames", "command=cat&stdin=true&stdout=true&stderr=true",
                   "v5.channel.k8s.io")
    v5.send_binary(b"\x00abc")
    v5.send_binary(b"\xff\x00")  # v5: close stdin, so cat ends
    frames = _frames(v5)
    v5.close()
    assert b"".join(data for channel, data in frames if channel == 1) == b"abc"
    assert frames[-1][0] == 3
    assert json.loads(frames[-1][1]) == {"metadata": {}, "status": "Success"}


def test_a_client_that_goes_away_ends_its_exec(
    devcluster: Any, core: client.CoreV1Api, ns: str
) -> None:
    core.create_namespaced_pod(ns, _pod("hangs", {}))
    wait_pod(core, ns, "hangs", phase_in("Running"))
    duration = f"987.{uuid.uuid4().int % 10**6}"
    conn = _raw_exec(devcluster, ns, "hangs", f"command=sleep&command={duration}&stdout=true",
                     "v5.channel.k8s.io")
    marker = f"sleep {duration}"
    end = time.monotonic() + DEADLINE
    while not _has_process(marker, ns) and time.monotonic() < end:
        time.sleep(0.05)
    assert _has_process(marker, ns)
    conn.close()
    while _has_process(marker, ns) and time.monotonic() < end:
        time.sleep(0.05)
    assert not _has_process(marker, ns)


def test_following_a_log_ends_when_the_pod_is_deleted(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("endless", {
        "command": ["sh", "-c", "echo ready; while true; do sleep 0.1; done"]},
        terminationGracePeriodSeconds=1))
    wait_pod(core, ns, "endless", phase_in("Running"))
    response = core.read_namespaced_pod_log("endless", ns, follow=True, _preload_content=False)
    received = b""
    try:
        for chunk in response.stream(64):
            if not received:
                core.delete_namespaced_pod("endless", ns)  # while the stream is open
            received += chunk
    finally:
        response.release_conn()
    assert received == b"ready\n"


def test_exec_with_a_tty_gets_a_terminal_of_the_requested_size(
    devcluster: Any, core: client.CoreV1Api, ns: str
) -> None:
    core.create_namespaced_pod(ns, _pod("term", {}))
    wait_pod(core, ns, "term", phase_in("Running"))
    script = "read line; stty size; test -t 1 && echo got $line"
    query = ("command=sh&command=-c&command=" + urllib.parse.quote(script)
             + "&stdin=true&stdout=true&tty=true")
    conn = _raw_exec(devcluster, ns, "term", query, "v5.channel.k8s.io")
    conn.send_binary(b"\x04" + json.dumps({"Width": 100, "Height": 30}).encode())
    conn.send_binary(b"\x00hello\n")
    frames = _frames(conn)
    conn.close()
    output = b"".join(data for channel, data in frames if channel == 1).decode()
    assert "30 100" in output
    assert "got hello" in output
    assert json.loads(frames[-1][1]) == {"metadata": {}, "status": "Success"}


def test_a_pod_waiting_on_a_missing_secret_says_why(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("blocked", {
        "command": ["true"],
        "env": [{"name": "PW", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "k"}}}]}))
    waiting = wait_pod(core, ns, "blocked", lambda p: bool(
        (p.get("status") or {}).get("containerStatuses")))
    assert waiting["status"]["phase"] == "Pending"
    assert waiting["status"]["containerStatuses"][0]["state"]["waiting"] == {
        "reason": "CreateContainerConfigError", "message": 'secret "absent" not found'}
    with pytest.raises(ApiException) as refused:
        core.read_namespaced_pod_log("blocked", ns)
    assert json.loads(refused.value.body)["message"] == (
        'container "main" in pod "blocked" is waiting to start: CreateContainerConfigError')
    # Creating the secret lets the pod start: the kubelet keeps retrying.
    core.create_namespaced_secret(ns, {"metadata": {"name": "absent"},
                                       "stringData": {"k": "v"}})
    done = wait_pod(core, ns, "blocked", phase_in("Running", "Succeeded"))
    assert done["status"]["phase"] in {"Running", "Succeeded"}


def _raw_get(devcluster: Any, path: str) -> tuple[int, bytes]:
    context = ssl.create_default_context(cafile=str(devcluster.data_dir / "pki" / "ca.crt"))
    request = urllib.request.Request(devcluster.url + path,
                                     headers={"Authorization": f"Bearer {devcluster.token}"})
    try:
        with urllib.request.urlopen(request, context=context, timeout=DEADLINE) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def test_log_parameters_are_validated(devcluster: Any, core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("params", {"command": ["echo", "x"]},
                                        restartPolicy="Never"))
    wait_pod(core, ns, "params", phase_in("Succeeded"))
    log = f"/api/v1/namespaces/{ns}/pods/params/log"
    assert _raw_get(devcluster, log + "?sinceTime=2000-01-01T00:00:00Z") == (200, b"x\n")
    assert _raw_get(devcluster, log + "?sinceTime=2999-01-01T00:00:00Z") == (200, b"")
    assert _raw_get(devcluster, log + "?limitBytes=1") == (200, b"x")
    for query, message in (("tailLines=many", 'tailLines must be an integer, got "many"'),
                           ("sinceTime=soon", 'sinceTime must be an RFC 3339 time, got "soon"')):
        status, body = _raw_get(devcluster, f"{log}?{query}")
        assert status == 400
        assert json.loads(body)["message"] == message


def test_a_large_log_is_followed_completely(core: client.CoreV1Api, ns: str) -> None:
    core.create_namespaced_pod(ns, _pod("chatty", {
        "command": ["sh", "-c", "sleep 0.5; seq 1 100000"]}, restartPolicy="Never"))
    wait_pod(core, ns, "chatty", phase_in("Running", "Succeeded"))
    response = core.read_namespaced_pod_log("chatty", ns, follow=True, _preload_content=False)
    try:
        body = b"".join(response.stream(65536))
    finally:
        response.release_conn()
    lines = body.decode().splitlines()
    assert len(lines) == 100000
    assert lines == [str(i) for i in range(1, 100001)]
