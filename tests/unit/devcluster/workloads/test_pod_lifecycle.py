"""The process kubelet on a real store: phases, exit codes, env, volumes, restarts, deletion."""

from __future__ import annotations

import asyncio
import base64
import pathlib
import shutil
from typing import Any

import pytest
import workloads_harness as h

from kes.devcluster import store as store_mod
from kes.devcluster.kubelet import logs, recording


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def _container(pod: dict[str, Any], index: int = 0) -> dict[str, Any]:
    status: dict[str, Any] = pod["status"]["containerStatuses"][index]
    return status


def _log(kubelet: Any, pod: dict[str, Any], container: str, attempt: int = 0) -> str:
    path = kubelet.data_dir / "pods" / pod["metadata"]["uid"] / "logs" / container
    served = b"".join(logs.select(raw=(path / f"{attempt}.log").read_bytes()))
    return served.decode().rstrip("\n")


def test_a_command_runs_to_success_with_its_output_logged(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(h.PODS, h.pod("hello", {
                "name": "main", "image": "busybox", "command": ["sh", "-c"],
                "args": ["echo hello $GREETING; echo oops >&2"],
                "env": [{"name": "GREETING", "value": "world"}],
            }, restartPolicy="Never"))
            done = await h.wait_for(store, h.PODS, namespace="default", name="hello",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert done["status"]["phase"] == "Succeeded"
            state = _container(done)["state"]["terminated"]
            assert (state["exitCode"], state["reason"]) == (0, "Completed")
            assert _log(kubelet, done, "main").splitlines() == ["hello world", "oops"]
            ready = {c["type"]: c for c in done["status"]["conditions"]}["Ready"]
            assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")

    _run(scenario())


def test_a_failing_command_fails_the_pod_with_its_exit_code(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("bad", {
                "name": "main", "image": "x", "command": ["sh", "-c", "exit 3"]},
                restartPolicy="Never"))
            done = await h.wait_for(store, h.PODS, namespace="default", name="bad",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert done["status"]["phase"] == "Failed"
            state = _container(done)["state"]["terminated"]
            assert (state["exitCode"], state["reason"]) == (3, "Error")

    _run(scenario())


def test_a_container_without_command_stays_running_and_ready(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("idle", {"name": "main", "image": "ubuntu"}))
            running = await h.wait_for(store, h.PODS, namespace="default", name="idle",
                                       predicate=h.phase_is("Running"))
            assert _container(running)["ready"] is True
            assert running["status"]["podIP"] == "127.0.0.1"
            conditions = {c["type"]: c["status"] for c in running["status"]["conditions"]}
            assert conditions["Ready"] == conditions["ContainersReady"] == "True"

    _run(scenario())


def test_on_failure_restarts_until_success(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _kubelet):
            marker = tmp_path / "tries"
            script = f"echo try >> {marker}; [ $(wc -l < {marker}) -ge 2 ]"
            await store.create(h.PODS, h.pod("flaky", {
                "name": "main", "image": "x", "command": ["sh", "-c", script]},
                restartPolicy="OnFailure"))
            done = await h.wait_for(store, h.PODS, namespace="default", name="flaky",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert done["status"]["phase"] == "Succeeded"
            status = _container(done)
            assert status["restartCount"] == 1
            assert status["lastState"]["terminated"]["exitCode"] == 1

    _run(scenario())


def test_env_from_secrets_configmaps_and_fields(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(("", "v1", "secrets"), {"metadata": {
                "name": "creds", "namespace": "default"},
                "data": {"password": base64.b64encode(b"s3cret").decode()}})
            await store.create(("", "v1", "configmaps"), {"metadata": {
                "name": "cfg", "namespace": "default"}, "data": {"MODE": "fast"}})
            await store.create(h.PODS, h.pod("envy", {
                "name": "main", "image": "x",
                "command": ["sh", "-c", 'echo "$PW $MODE $CFG_MODE $ME $NS $REF"'],
                "envFrom": [{"configMapRef": {"name": "cfg"}},
                            {"prefix": "CFG_", "configMapRef": {"name": "cfg"}}],
                "env": [
                    {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "creds",
                                                                  "key": "password"}}},
                    {"name": "ME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "NS", "valueFrom": {"fieldRef": {
                        "fieldPath": "metadata.namespace"}}},
                    {"name": "REF", "value": "$(MODE)-x"},
                ]}, restartPolicy="Never"))
            done = await h.wait_for(store, h.PODS, namespace="default", name="envy",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert _log(kubelet, done, "main") == "s3cret fast fast envy default fast-x"

    _run(scenario())


def test_a_missing_secret_keeps_the_pod_pending_without_leaking(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("waiting", {
                "name": "main", "image": "x", "command": ["true"],
                "env": [{"name": "PW", "valueFrom": {"secretKeyRef": {
                    "name": "absent", "key": "k"}}}]}))
            pending = await h.wait_for(
                store, h.PODS, namespace="default", name="waiting",
                predicate=lambda p: bool((p.get("status") or {}).get("containerStatuses")))
            assert pending["status"]["phase"] == "Pending"
            waiting = _container(pending)["state"]["waiting"]
            assert waiting == {"reason": "CreateContainerConfigError",
                               "message": 'secret "absent" not found'}

    _run(scenario())


def test_volumes_appear_at_mount_paths_in_separate_namespaces(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(("", "v1", "persistentvolumeclaims"), {"metadata": {
                "name": "data", "namespace": "default"}, "spec": {}})
            await store.create(("", "v1", "secrets"), {"metadata": {
                "name": "creds", "namespace": "default"},
                "data": {"token": base64.b64encode(b"tkn").decode()}})
            for name, word in (("writer-a", "alpha"), ("writer-b", "beta")):
                await store.create(h.PODS, h.pod(name, {
                    "name": "main", "image": "x", "workingDir": "/data",
                    "command": ["sh", "-c", f"echo {word} > here; cat /etc/creds/token; pwd"],
                    "volumeMounts": [{"name": "scratch", "mountPath": "/data"},
                                     {"name": "creds", "mountPath": "/etc/creds"}]},
                    restartPolicy="Never",
                    volumes=[{"name": "scratch", "emptyDir": {}},
                             {"name": "creds", "secret": {"secretName": "creds"}}]))
            for name in ("writer-a", "writer-b"):
                done = await h.wait_for(store, h.PODS, namespace="default", name=name,
                                        predicate=h.phase_is("Succeeded", "Failed"))
                assert done["status"]["phase"] == "Succeeded", done["status"]
                assert _log(kubelet, done, "main") == "tkn/data"
                scratch = kubelet.data_dir / "pods" / done["metadata"]["uid"] / "volumes"
                word = "alpha" if name == "writer-a" else "beta"
                assert (scratch / "scratch" / "here").read_text() == word + "\n"
            assert not pathlib.Path("/data/here").exists()

            await store.create(h.PODS, h.pod("pvc-user", {
                "name": "main", "image": "x", "command": ["sh", "-c", "echo kept > /mnt/v/f"],
                "volumeMounts": [{"name": "v", "mountPath": "/mnt/v"}]},
                restartPolicy="Never",
                volumes=[{"name": "v", "persistentVolumeClaim": {"claimName": "data"}}]))
            done = await h.wait_for(store, h.PODS, namespace="default", name="pvc-user",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert done["status"]["phase"] == "Succeeded", done["status"]
            claim = await store.get(("", "v1", "persistentvolumeclaims"),
                                    namespace="default", name="data")
            pvc_dir = kubelet.data_dir / "volumes" / f"pvc-{claim['metadata']['uid']}"
            await store.delete(h.PODS, namespace="default", name="pvc-user")
            await h.wait_gone(store, h.PODS, namespace="default", name="pvc-user")
            assert (pvc_dir / "f").read_text() == "kept\n"
            # Deleting the claim reclaims its directory.
            await store.delete(("", "v1", "persistentvolumeclaims"), namespace="default",
                               name="data")
            async with asyncio.timeout(h.DEADLINE):
                while pvc_dir.exists():
                    await asyncio.sleep(0.05)

    _run(scenario())


def test_deletion_sends_sigterm_then_sigkill_after_the_grace_period(
    tmp_path: pathlib.Path,
) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            out, armed = tmp_path / "trap", tmp_path / "armed"
            await store.create(h.PODS, h.pod("stubborn", {
                "name": "main", "image": "x",
                "command": ["sh", "-c", f"trap 'echo term > {out}' TERM; touch {armed}; "
                            "while true; do sleep 0.1; done"]},
                terminationGracePeriodSeconds=1))
            running = await h.wait_for(store, h.PODS, namespace="default", name="stubborn",
                                       predicate=h.phase_is("Running"))
            worker = kubelet.worker_for(running)
            assert worker is not None
            async with asyncio.timeout(h.DEADLINE):
                while not armed.exists():  # the trap is set only once the shell has started
                    await asyncio.sleep(0.05)
            await store.delete(h.PODS, namespace="default", name="stubborn")
            async with asyncio.timeout(h.DEADLINE):
                while worker.uid in kubelet.workers or kubelet._stopping:
                    await asyncio.sleep(0.05)
            assert out.read_text() == "term\n"
            assert not worker.pod_dir.exists()

    _run(scenario())


def test_init_containers_run_first(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(h.PODS, h.pod("inited", {
                "name": "main", "image": "x", "command": ["cat", "/scratch/seed"],
                "volumeMounts": [{"name": "w", "mountPath": "/scratch"}]},
                restartPolicy="Never",
                initContainers=[{"name": "seed", "image": "x",
                                 "command": ["sh", "-c", "echo seeded > /scratch/seed"],
                                 "volumeMounts": [{"name": "w", "mountPath": "/scratch"}]}],
                volumes=[{"name": "w", "emptyDir": {}}]))
            done = await h.wait_for(store, h.PODS, namespace="default", name="inited",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert done["status"]["phase"] == "Succeeded", done["status"]
            assert _log(kubelet, done, "main") == "seeded"
            init = done["status"]["initContainerStatuses"][0]
            assert init["state"]["terminated"]["exitCode"] == 0

    _run(scenario())


def test_store_errors_are_the_store_module_s(tmp_path: pathlib.Path) -> None:
    # Guards the harness itself: a wait on a missing object reports its last state.
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            try:
                await h.wait_for(store, h.PODS, namespace="default", name="nothing",
                                 predicate=lambda _p: True, timeout=0.2)
            except AssertionError as exc:
                assert "last state: None" in str(exc)
            else:
                raise AssertionError("wait_for returned for a missing pod")
            assert issubclass(store_mod.NotFoundError, store_mod.StoreError)

    _run(scenario())


def _sandbox_condition(pod: dict[str, Any]) -> dict[str, Any]:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return next(c for c in conditions if c["type"] == "PodReadyToStartContainers")


def test_without_a_usable_bwrap_the_pod_stays_pending_with_the_reason(
    tmp_path: pathlib.Path, monkeypatch: Any
) -> None:
    # `false` stands in for a bwrap that cannot create namespaces on this machine.
    monkeypatch.setenv("KES_DEVCLUSTER_BWRAP", "false")

    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("nowhere", {
                "name": "main", "image": "x", "command": ["sh", "-c", "touch /kes-never"]}))
            pending = await h.wait_for(
                store, h.PODS, namespace="default", name="nowhere",
                predicate=lambda p: _sandbox_condition(p)["status"] == "False"
                if (p.get("status") or {}).get("conditions") else False)
            assert pending["status"]["phase"] == "Pending"
            condition = _sandbox_condition(pending)
            assert condition["reason"] == "FailedCreatePodSandBox"
            assert condition["message"].startswith("bubblewrap cannot create a mount namespace")
            waiting = pending["status"]["containerStatuses"][0]["state"]["waiting"]
            assert waiting["reason"] == "ContainerCreating"
            node = await store.get(("", "v1", "nodes"), namespace=None, name="kes-devcluster")
            ready = node["status"]["conditions"][0]
            assert (ready["status"], ready["reason"]) == ("False", "KubeletNotReady")
            assert ready["message"].startswith("container runtime is down: bubblewrap")
            assert not pathlib.Path("/kes-never").exists()

    _run(scenario())


def test_pods_start_once_bwrap_appears(tmp_path: pathlib.Path, monkeypatch: Any) -> None:
    real = shutil.which("bwrap") or "/usr/bin/bwrap"
    if not pathlib.Path(real).exists():
        pytest.skip("bubblewrap is not installed (`make debs` installs it)")
    later = tmp_path / "bin" / "bwrap"
    monkeypatch.setenv("KES_DEVCLUSTER_BWRAP", str(later))

    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("patient", {
                "name": "main", "image": "x", "command": ["sh", "-c", "echo started"]},
                restartPolicy="Never"))
            pending = await h.wait_for(
                store, h.PODS, namespace="default", name="patient",
                predicate=lambda p: bool((p.get("status") or {}).get("conditions")))
            assert "bubblewrap (bwrap) is not installed" in _sandbox_condition(pending)["message"]
            later.parent.mkdir()
            later.symlink_to(real)
            done = await h.wait_for(store, h.PODS, namespace="default", name="patient",
                                    predicate=h.phase_is("Succeeded"))
            assert _sandbox_condition(done)["status"] == "True"
            await h.wait_for(store, ("", "v1", "nodes"), namespace=None, name="kes-devcluster",
                             predicate=lambda n: n["status"]["conditions"][0]["status"] == "True")

    _run(scenario())


def test_restart_always_counts_restarts_and_keeps_the_previous_log(
    tmp_path: pathlib.Path,
) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(h.PODS, h.pod("crashy", {
                "name": "main", "image": "x", "command": ["sh", "-c", "echo attempt; exit 1"]}))
            again = await h.wait_for(
                store, h.PODS, namespace="default", name="crashy",
                predicate=lambda p: any(c["restartCount"] >= 1 for c in
                                        (p.get("status") or {}).get("containerStatuses", [])))
            status = _container(again)
            assert again["status"]["phase"] == "Running"
            assert status["lastState"]["terminated"]["exitCode"] == 1
            assert _log(kubelet, again, "main", attempt=0) == "attempt"

    _run(scenario())


def test_two_containers_are_ready_together_and_mounts_can_be_read_only(
    tmp_path: pathlib.Path,
) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(("", "v1", "configmaps"), {"metadata": {
                "name": "cfg", "namespace": "default"}, "data": {"a": "A", "b": "B"}})
            await store.create(h.PODS, h.pod(
                "pair",
                {"name": "app", "image": "x"},
                {"name": "probe", "image": "x", "command": ["sh", "-c",
                 "ls /cfg; cat /cfg/only-a; touch /ro/x 2>/dev/null || echo read-only; "
                 "while true; do sleep 1; done"],
                 "volumeMounts": [{"name": "cfg", "mountPath": "/cfg"},
                                  {"name": "scratch", "mountPath": "/ro", "readOnly": True}]},
                volumes=[{"name": "cfg", "configMap": {"name": "cfg", "items": [
                    {"key": "a", "path": "only-a"}]}},
                    {"name": "scratch", "emptyDir": {}}]))
            ready = await h.wait_for(
                store, h.PODS, namespace="default", name="pair",
                predicate=lambda p: {c["type"]: c["status"] for c in
                                     (p.get("status") or {}).get("conditions", [])}.get(
                                         "Ready") == "True")
            assert [c["name"] for c in ready["status"]["containerStatuses"]] == ["app", "probe"]
            worker = kubelet.worker_for(ready)
            assert worker is not None
            log = worker.logs["probe"]
            async with asyncio.timeout(h.DEADLINE):
                while "read-only" not in _log(kubelet, ready, "probe"):
                    await log.wait_changed()
            # The configMap file holds "A" without a newline.
            assert _log(kubelet, ready, "probe") == "only-a\nAread-only"

    _run(scenario())


def test_after_a_server_restart_running_pods_run_again(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "starts"

    async def wait_starts(count: int) -> None:
        async with asyncio.timeout(h.DEADLINE):
            while not marker.exists() or len(marker.read_text().splitlines()) < count:
                await asyncio.sleep(0.05)

    async def first_life() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("survivor", {
                "name": "main", "image": "x",
                "command": ["sh", "-c", f"echo up >> {marker}; while true; do sleep 0.2; done"]}))
            await wait_starts(1)

    async def second_life() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await wait_starts(2)
            pod = await h.wait_for(
                store, h.PODS, namespace="default", name="survivor",
                predicate=lambda p: h.phase_is("Running")(p) and _container(p)["restartCount"])
            status = _container(pod)
            assert status["restartCount"] == 1
            assert status["lastState"]["terminated"]["reason"] == "ContainerStatusUnknown"

    _run(first_life())
    _run(second_life())
    assert marker.read_text() == "up\nup\n"


def test_the_node_is_registered_and_pods_are_bound_with_events(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("seen", {"name": "main", "image": "busybox"}))
            pod = await h.wait_for(store, h.PODS, namespace="default", name="seen",
                                   predicate=h.phase_is("Running"))
            assert pod["spec"]["nodeName"] == "kes-devcluster"
            node = await store.get(("", "v1", "nodes"), namespace=None, name="kes-devcluster")
            assert node["status"]["conditions"][0]["type"] == "Ready"
            assert node["status"]["conditions"][0]["status"] == "True"
            events, _ = await store.list(("", "v1", "events"), namespace="default")
            mine = [(e["reason"], e["message"]) for e in events
                    if e["involvedObject"]["name"] == "seen"]
            assert ("Scheduled", "Successfully assigned default/seen to kes-devcluster") in mine
            assert ("Started", "Started container main") in mine
            assert ("Pulled", 'Container image "busybox" already present on machine') in mine

    _run(scenario())


def test_projected_and_downward_api_volumes(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(("", "v1", "secrets"), {"metadata": {
                "name": "creds", "namespace": "default"},
                "data": {"user": base64.b64encode(b"admin").decode()}})
            await store.create(("", "v1", "configmaps"), {"metadata": {
                "name": "cfg", "namespace": "default"}, "data": {"mode": "fast"}})
            pod = h.pod("projector", {
                "name": "main", "image": "x", "command": ["sh", "-c",
                 "cat /p/user /p/conf/mode /p/me /d/labels-app"],
                "volumeMounts": [{"name": "p", "mountPath": "/p"},
                                 {"name": "d", "mountPath": "/d"}]},
                restartPolicy="Never",
                volumes=[{"name": "p", "projected": {"sources": [
                    {"secret": {"name": "creds"}},
                    {"configMap": {"name": "cfg", "items": [{"key": "mode",
                                                             "path": "conf/mode"}]}},
                    {"downwardAPI": {"items": [{"path": "me", "fieldRef": {
                        "fieldPath": "metadata.name"}}]}}]}},
                    {"name": "d", "downwardAPI": {"items": [{"path": "labels-app", "fieldRef": {
                        "fieldPath": "metadata.labels['app']"}}]}}])
            pod["metadata"]["labels"] = {"app": "demo"}
            await store.create(h.PODS, pod)
            done = await h.wait_for(store, h.PODS, namespace="default", name="projector",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert done["status"]["phase"] == "Succeeded", done["status"]
            assert _log(kubelet, done, "main") == "adminfastprojectordemo"

    _run(scenario())


def test_after_a_server_restart_a_never_pod_fails_as_lost(tmp_path: pathlib.Path) -> None:
    marker = tmp_path / "runs"

    async def first_life() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("once", {
                "name": "main", "image": "x",
                "command": ["sh", "-c", f"echo run >> {marker}; while true; do sleep 0.2; done"]},
                restartPolicy="Never"))
            await h.wait_for(store, h.PODS, namespace="default", name="once",
                             predicate=h.phase_is("Running"))
            async with asyncio.timeout(h.DEADLINE):
                while not marker.exists():
                    await asyncio.sleep(0.05)

    async def second_life() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            failed = await h.wait_for(store, h.PODS, namespace="default", name="once",
                                      predicate=h.phase_is("Failed"))
            terminated = _container(failed)["state"]["terminated"]
            assert (terminated["exitCode"], terminated["reason"]) == (
                137, "ContainerStatusUnknown")

    _run(first_life())
    _run(second_life())
    assert marker.read_text() == "run\n"  # the command did not run a second time


def test_sub_path_mounts_a_single_file_and_host_path_is_the_host(tmp_path: pathlib.Path) -> None:
    host_dir = tmp_path / "host-side"

    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, kubelet):
            await store.create(("", "v1", "configmaps"), {"metadata": {
                "name": "cfg", "namespace": "default"}, "data": {"app.conf": "x=1\n"}})
            await store.create(h.PODS, h.pod("files", {
                "name": "main", "image": "x", "command": ["sh", "-c",
                 "cat /etc/kes-test-app/app.conf; echo out > /host/made"],
                "volumeMounts": [{"name": "cfg", "mountPath": "/etc/kes-test-app/app.conf",
                                  "subPath": "app.conf"},
                                 {"name": "host", "mountPath": "/host"}]},
                restartPolicy="Never",
                volumes=[{"name": "cfg", "configMap": {"name": "cfg"}},
                         {"name": "host", "hostPath": {"path": str(host_dir),
                                                       "type": "DirectoryOrCreate"}}]))
            done = await h.wait_for(store, h.PODS, namespace="default", name="files",
                                    predicate=h.phase_is("Succeeded", "Failed"))
            assert done["status"]["phase"] == "Succeeded", done["status"]
            assert _log(kubelet, done, "main") == "x=1"

    _run(scenario())
    assert (host_dir / "made").read_text() == "out\n"
    assert not pathlib.Path("/etc/kes-test-app").exists()


def test_an_unexpected_fault_fails_the_pod_with_a_message(tmp_path: pathlib.Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("doomed", {
                "name": "main", "image": "x", "command": ["true"],
                "volumeMounts": [{"name": "v", "mountPath": "/v"}]},
                volumes=[{"name": "v", "hostPath": {"path": str(blocker / "below"),
                                                    "type": "DirectoryOrCreate"}}]))
            failed = await h.wait_for(store, h.PODS, namespace="default", name="doomed",
                                      predicate=h.phase_is("Failed"))
            assert failed["status"]["reason"] == "KubeletError"
            assert failed["status"]["message"].startswith(
                "The kes kubelet could not run the pod: ")

    _run(scenario())


def test_a_missing_executable_is_a_start_error(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            await store.create(h.PODS, h.pod("typo", {
                "name": "main", "image": "x", "command": ["kes-no-such-binary", "--x"]},
                restartPolicy="Never"))
            failed = await h.wait_for(store, h.PODS, namespace="default", name="typo",
                                      predicate=h.phase_is("Failed"))
            terminated = _container(failed)["state"]["terminated"]
            assert (terminated["exitCode"], terminated["reason"]) == (128, "StartError")
            assert terminated["message"] == ('failed to start container process: exec: '
                                             '"kes-no-such-binary": executable file not found '
                                             'in $PATH')

    _run(scenario())


def test_no_event_is_written_into_a_terminating_namespace(tmp_path: pathlib.Path) -> None:
    async def scenario() -> None:
        async with h.running(tmp_path=tmp_path) as (store, _):
            namespaces = ("", "v1", "namespaces")
            await store.create(namespaces, {"metadata": {"name": "closing"}})
            pod = {"apiVersion": "v1", "kind": "Pod",
                   "metadata": {"name": "p", "namespace": "closing", "uid": "u"}}
            await recording.event(store, obj=pod, reason="Started", message="open")
            await store.delete(namespaces, namespace=None, name="closing")
            await recording.event(store, obj=pod, reason="Killing", message="closing")
            events, _ = await store.list(("", "v1", "events"), namespace="closing")
            assert [e["message"] for e in events] == ["open"]

    _run(scenario())
