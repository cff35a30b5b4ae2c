"""Pod status as the kubelet reports it, computed from what each container is doing.

Pure functions over small state records, so the phase rules (Pending → Running →
Succeeded/Failed, restartPolicy, Ready conditions) are tested without processes.
"""

from __future__ import annotations

import dataclasses
from typing import Any

POD_IP = "127.0.0.1"
SANDBOX_REASON = "FailedCreatePodSandBox"


@dataclasses.dataclass
class ContainerState:
    """What one container is doing now, plus its last termination (for `lastState`)."""

    name: str
    image: str
    state: str = "waiting"  # waiting | running | terminated
    reason: str = "ContainerCreating"
    message: str = ""
    exit_code: int | None = None
    started_at: str | None = None
    finished_at: str | None = None
    restart_count: int = 0
    last_terminated: dict[str, Any] | None = None
    container_id: str = ""

    def as_status(self, *, init: bool = False) -> dict[str, Any]:
        status: dict[str, Any] = {
            "name": self.name,
            "image": self.image,
            "imageID": "",
            "ready": self.state == "running" and not init,
            "restartCount": self.restart_count,
            "started": self.state == "running",
            "state": {self.state: self._state_body()},
            "lastState": {"terminated": self.last_terminated} if self.last_terminated else {},
        }
        if init:
            status["ready"] = self.state == "terminated" and self.exit_code == 0
        if self.container_id:
            status["containerID"] = self.container_id
        return status

    def _state_body(self) -> dict[str, Any]:
        if self.state == "running":
            return {"startedAt": self.started_at}
        if self.state == "terminated":
            return self.terminated_body()
        body = {"reason": self.reason}
        if self.message:
            body["message"] = self.message
        return body

    def terminated_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "exitCode": self.exit_code,
            "reason": self.reason,
            "startedAt": self.started_at,
            "finishedAt": self.finished_at,
        }
        if self.message:
            body["message"] = self.message
        if self.container_id:
            body["containerID"] = self.container_id
        return body


def will_restart(*, policy: str, exit_code: int) -> bool:
    """Whether restartPolicy asks for another attempt after this exit."""
    return policy == "Always" or (policy == "OnFailure" and exit_code != 0)


def phase(
    *, init: list[ContainerState], containers: list[ContainerState], policy: str
) -> str:
    """The pod phase, by the kubelet's rules."""
    if any(c.state != "terminated" or c.exit_code != 0 for c in init):
        failed_init = any(
            c.state == "terminated" and c.exit_code != 0 and not will_restart(
                policy="OnFailure" if policy == "Always" else policy, exit_code=c.exit_code or 0
            )
            for c in init
        )
        return "Failed" if failed_init else "Pending"
    if any(c.state == "waiting" and c.restart_count == 0 for c in containers):
        return "Pending"
    if any(c.state != "terminated" for c in containers):
        return "Running"
    if any(will_restart(policy=policy, exit_code=c.exit_code or 0) for c in containers):
        return "Running"
    return "Succeeded" if all(c.exit_code == 0 for c in containers) else "Failed"


def _condition(kind: str, ok: bool, *, when: str, reason: str | None = None,
               message: str | None = None) -> dict[str, Any]:
    cond: dict[str, Any] = {
        "type": kind,
        "status": "True" if ok else "False",
        "lastProbeTime": None,
        "lastTransitionTime": when,
    }
    if reason and not ok:
        cond["reason"] = reason
    if message and not ok:
        cond["message"] = message
    return cond


def build(
    *,
    init: list[ContainerState],
    containers: list[ContainerState],
    policy: str,
    start_time: str,
    now: str,
    previous: dict[str, Any] | None = None,
    sandbox_problem: str | None = None,
) -> dict[str, Any]:
    """The whole `status` of a pod; condition transition times are kept when unchanged.

    `sandbox_problem` says why no sandbox can be made on this node (its runtime is down): the
    pod stays Pending and PodReadyToStartContainers is False with that message."""
    current = phase(init=init, containers=containers, policy=policy)
    initialized = all(c.state == "terminated" and c.exit_code == 0 for c in init)
    ready = current == "Running" and all(c.state == "running" for c in containers)
    finished = current in {"Succeeded", "Failed"}
    not_ready_reason = "PodCompleted" if finished else "ContainersNotReady"
    conditions = [
        _condition("PodReadyToStartContainers", sandbox_problem is None, when=now,
                   reason=SANDBOX_REASON, message=sandbox_problem),
        _condition("Initialized", initialized or finished, when=now,
                   reason="ContainersNotInitialized"),
        _condition("Ready", ready, when=now, reason=not_ready_reason),
        _condition("ContainersReady", ready, when=now, reason=not_ready_reason),
        _condition("PodScheduled", True, when=start_time),
    ]
    _keep_transition_times(conditions=conditions, previous=previous)
    status: dict[str, Any] = {
        "phase": current,
        "conditions": conditions,
        "hostIP": POD_IP,
        "hostIPs": [{"ip": POD_IP}],
        "podIP": POD_IP,
        "podIPs": [{"ip": POD_IP}],
        "startTime": start_time,
        "qosClass": "BestEffort",
        "containerStatuses": [c.as_status() for c in containers],
    }
    if init:
        status["initContainerStatuses"] = [c.as_status(init=True) for c in init]
    return status


def failed(*, reason: str, message: str, now: str) -> dict[str, Any]:
    """Status of a pod that cannot run at all on this machine."""
    return {
        "phase": "Failed",
        "reason": reason,
        "message": message,
        "startTime": now,
        "conditions": [_condition("PodScheduled", True, when=now)],
    }


def _keep_transition_times(
    *, conditions: list[dict[str, Any]], previous: dict[str, Any] | None
) -> None:
    before = {c.get("type"): c for c in (previous or {}).get("conditions") or []}
    for cond in conditions:
        old = before.get(cond["type"])
        if old is not None and old.get("status") == cond["status"]:
            cond["lastTransitionTime"] = old.get("lastTransitionTime", cond["lastTransitionTime"])


LOST_REASON = "ContainerStatusUnknown"
LOST_MESSAGE = "The container could not be located when the pod was terminated"
LOST_EXIT_CODE = 137


def resume(
    *, state: ContainerState, previous: dict[str, Any] | None, policy: str, now: str,
    init: bool = False,
) -> bool:
    """Carry a container over a restart of the kubelet; True when it must run again.

    Its process did not survive: a finished container stays finished, a lost one is reported
    as a real kubelet does (137, ContainerStatusUnknown) and restarts only if the policy
    says so. A successful init container never runs twice.
    """
    if previous is None:
        return True
    state.restart_count = int(previous.get("restartCount", 0))
    last = (previous.get("lastState") or {}).get("terminated")
    state.last_terminated = last or None
    was = previous.get("state") or {}
    finished = was.get("terminated")
    if finished is not None:
        code = int(finished.get("exitCode", 0))
        again = not (init and code == 0) and will_restart(
            policy="OnFailure" if init and policy == "Always" else policy, exit_code=code)
        if not again:
            state.state, state.exit_code = "terminated", code
            state.reason, state.message = finished.get("reason", ""), finished.get("message", "")
            state.started_at, state.finished_at = finished.get("startedAt"), finished.get(
                "finishedAt")
            return False
    started: str | None = (was.get("running") or {}).get("startedAt")
    lost = {"exitCode": LOST_EXIT_CODE, "reason": LOST_REASON, "message": LOST_MESSAGE,
            "startedAt": started, "finishedAt": now}
    if policy == "Never" or not will_restart(policy=policy, exit_code=LOST_EXIT_CODE):
        state.state, state.exit_code = "terminated", LOST_EXIT_CODE
        state.reason, state.message = LOST_REASON, LOST_MESSAGE
        state.started_at, state.finished_at = started, now
        return False
    if was.get("running") is not None:
        state.last_terminated = lost
        state.restart_count += 1
    return True
