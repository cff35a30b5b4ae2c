"""Pure rules of the kubelet: pod phases, log selection, env expansion, sandbox placement."""

from __future__ import annotations

import datetime
import pathlib
import sys

import pytest

from kes.devcluster.kubelet import environment, logs, podstatus, sandbox


def _state(state: str, code: int | None = None, restarts: int = 0) -> podstatus.ContainerState:
    return podstatus.ContainerState(name="c", image="i", state=state, exit_code=code,
                                    restart_count=restarts)


@pytest.mark.parametrize(("containers", "policy", "expected"), [
    pytest.param([_state("waiting")], "Always", "Pending", id="waiting-first-start"),
    pytest.param([_state("running")], "Never", "Running", id="running"),
    pytest.param([_state("terminated", 0)], "Never", "Succeeded", id="done-ok"),
    pytest.param([_state("terminated", 2)], "Never", "Failed", id="done-bad"),
    pytest.param([_state("terminated", 2)], "OnFailure", "Running", id="will-retry"),
    pytest.param([_state("terminated", 0)], "OnFailure", "Succeeded", id="on-failure-ok"),
    pytest.param([_state("terminated", 0)], "Always", "Running", id="always-restarts"),
    pytest.param([_state("waiting", restarts=2)], "Always", "Running", id="crash-loop"),
    pytest.param([_state("terminated", 0), _state("running")], "Never", "Running",
                 id="one-still-running"),
    pytest.param([_state("terminated", 0), _state("terminated", 1)], "Never", "Failed",
                 id="one-failed"),
])
def test_phase(containers: list[podstatus.ContainerState], policy: str, expected: str) -> None:
    assert podstatus.phase(init=[], containers=containers, policy=policy) == expected


def test_a_failed_init_container_fails_a_never_pod_and_blocks_others() -> None:
    init = [_state("terminated", 1)]
    assert podstatus.phase(init=init, containers=[_state("waiting")], policy="Never") == "Failed"
    assert podstatus.phase(init=init, containers=[_state("waiting")],
                           policy="Always") == "Pending"


def test_ready_conditions_keep_their_transition_time() -> None:
    running = [_state("running")]
    first = podstatus.build(init=[], containers=running, policy="Always", start_time="t0",
                            now="t1")
    again = podstatus.build(init=[], containers=running, policy="Always", start_time="t0",
                            now="t2", previous=first)
    ready = {c["type"]: c for c in again["conditions"]}["Ready"]
    assert (ready["status"], ready["lastTransitionTime"]) == ("True", "t1")


def _stored(*lines: tuple[datetime.datetime, str]) -> bytes:
    return b"".join(
        when.strftime("%Y-%m-%dT%H:%M:%S.%f000Z").encode() + b" F " + text.encode() + b"\n"
        for when, text in lines)


def test_log_selection_tail_since_and_timestamps() -> None:
    now = datetime.datetime.now(tz=datetime.UTC)
    raw = _stored((now - datetime.timedelta(minutes=10), "old"),
                  (now - datetime.timedelta(seconds=5), "recent"), (now, "latest"))
    assert logs.select(raw=raw) == [b"old\n", b"recent\n", b"latest\n"]
    assert logs.select(raw=raw, tail_lines=2) == [b"recent\n", b"latest\n"]
    assert logs.select(raw=raw, tail_lines=0) == []
    assert logs.select(raw=raw, since_seconds=60) == [b"recent\n", b"latest\n"]
    stamped = logs.select(raw=raw, tail_lines=1, timestamps=True)[0]
    assert stamped.endswith(b"Z latest\n")


def test_env_expansion_follows_kubernetes_rules() -> None:
    env = {"A": "1"}
    assert environment.expand(value="$(A)-$(B)-$$(A)", env=env) == "1-$(B)-$(A)"


@pytest.mark.parametrize(("target", "expanded"), [
    pytest.param("/kes-test-absent", set(), id="new-top-level-dir-lives-in-tmpfs"),
    pytest.param("/etc/kes-test-absent", {"/etc"}, id="missing-under-existing"),
    pytest.param("/usr/share/kes-test/x", {"/usr", "/usr/share"}, id="nested"),
    pytest.param("/tmp", set(), id="existing-target"),
    pytest.param("/dev/shm/kes-test", set(), id="dev-is-the-sandbox-own"),
])
def test_sandbox_expands_only_what_a_missing_mount_point_needs(
    target: str, expanded: set[str]
) -> None:
    _, expand = sandbox.placement([target])
    assert set(expand) == expanded


def test_sandbox_resolves_host_symlinks_in_targets() -> None:
    # /bin is a symlink to usr/bin on merged-/usr systems; a mount there lands in /usr/bin.
    resolved, _ = sandbox.placement(["/bin/kes-test"])
    assert resolved == [str(pathlib.Path("/bin").resolve() / "kes-test")]


def test_sandbox_makes_the_missing_parents_of_mount_points_enterable() -> None:
    made: set[str] = set()
    # /usr exists on the host; the rest is made with --dir (0755), outermost first, once.
    assert sandbox.parent_dirs("/kes-test-absent/a/b", made=made) == [
        "--dir", "/kes-test-absent", "--dir", "/kes-test-absent/a"]
    assert sandbox.parent_dirs("/kes-test-absent/a/c", made=made) == []
    assert sandbox.parent_dirs("/usr/kes-test-absent/x", made=made) == [
        "--dir", "/usr/kes-test-absent"]
    assert sandbox.parent_dirs("/data", made=made) == []


def test_containers_find_the_servers_python_scripts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    parts = environment.search_path().split(":")
    assert parts[:2] == ["/usr/bin", "/bin"]
    assert parts[-1] == str(pathlib.Path(sys.executable).parent)


def test_helper_directories_lead_a_containers_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/.kes/bin")
    env = environment.base(pod={"metadata": {"name": "p"}},
                           path_first=("/.kes/bin", "/.kes/path/0"))
    assert env["PATH"].split(":")[:3] == ["/.kes/bin", "/.kes/path/0", "/usr/bin"]


def test_output_without_a_final_newline_is_served_without_one() -> None:
    raw = b"2026-01-01T00:00:00.000000000Z F whole\n2026-01-01T00:00:00.000000000Z P tail\n"
    assert b"".join(logs.select(raw=raw)) == b"whole\ntail"
    assert logs.select(raw=raw, timestamps=True)[1] == b"2026-01-01T00:00:00.000000000Z tail"


@pytest.mark.parametrize(("previous", "policy", "init", "runs", "state"), [
    pytest.param({"state": {"running": {"startedAt": "t"}}}, "Always", False, True, "waiting",
                 id="lost-restarts"),
    pytest.param({"state": {"running": {"startedAt": "t"}}}, "Never", False, False,
                 "terminated", id="lost-never-fails"),
    pytest.param({"state": {"terminated": {"exitCode": 0}}}, "OnFailure", False, False,
                 "terminated", id="finished-stays"),
    pytest.param({"state": {"terminated": {"exitCode": 0}}}, "Always", True, False,
                 "terminated", id="init-done-never-reruns"),
    pytest.param({"state": {"terminated": {"exitCode": 1}}}, "OnFailure", False, True,
                 "waiting", id="failed-retries"),
])
def test_resume_after_a_kubelet_restart(
    previous: dict[str, object], policy: str, init: bool, runs: bool, state: str
) -> None:
    container = podstatus.ContainerState(name="c", image="i")
    assert podstatus.resume(state=container, previous=previous, policy=policy, now="n",
                            init=init) is runs
    assert container.state == state


def test_since_time_filters_like_since_seconds() -> None:
    now = datetime.datetime.now(tz=datetime.UTC)
    raw = _stored((now - datetime.timedelta(minutes=10), "old"), (now, "new"))
    cutoff = logs.parse_time((now - datetime.timedelta(minutes=1)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"))
    assert logs.select(raw=raw, since_time=cutoff) == [b"new\n"]
    with pytest.raises(ValueError, match="Invalid isoformat"):
        logs.parse_time("yesterday")
