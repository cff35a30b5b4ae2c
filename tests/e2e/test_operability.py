"""What an operator scrapes and probes: /metrics after real runs, /healthz, /readyz, JSON logs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from builders import actionset, blueprint, kubetask
from e2e_harness import ControllerProcess, Kube, wait_for
from prometheus_client import parser

pytestmark = pytest.mark.timeout(300)

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def _get(controller: ControllerProcess, path: str) -> tuple[int, str, str]:
    url = f"http://127.0.0.1:{controller.health_port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def scrape(controller: ControllerProcess) -> Samples:
    status, content_type, body = _get(controller, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in parser.text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _run(kube: Kube, namespace: str, name: str, script: str) -> dict[str, Any]:
    kube.apply(
        [
            blueprint(f"bp-{name}", namespace, {"run": {"phases": [kubetask("only", script)]}}),
            actionset(name, namespace, blueprint=f"bp-{name}"),
        ]
    )
    return kube.wait_actionset(name, namespace)


def test_resolutions_are_preinitialised_and_counted_per_ended_action(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    before = scrape(controller)
    for resolution in ("success", "failure"):
        assert ("kanister_action_set_resolutions_total", (("resolution", resolution),)) in before
    assert _run(kube, namespace, "ok", "kando output a 1")["status"]["state"] == "complete"
    wait_for(
        lambda: (
            value(scrape(controller), "kanister_action_set_resolutions_total", resolution="success")
            >= value(before, "kanister_action_set_resolutions_total", resolution="success") + 1
        ),
        what="the success count to grow",
    )
    assert _run(kube, namespace, "bad", "exit 2")["status"]["state"] == "failed"
    after = wait_for(
        lambda: (
            (s := scrape(controller))
            and value(s, "kanister_action_set_resolutions_total", resolution="failure")
            >= value(before, "kanister_action_set_resolutions_total", resolution="failure") + 1
            and s
        ),
        what="the failure count to grow",
    )
    # The phases' wall time, by function; two KubeTask phases ended since `before`.
    count = value(after, "kes_phase_duration_seconds_count", function="KubeTask")
    assert count >= value(before, "kes_phase_duration_seconds_count", function="KubeTask") + 2
    assert value(after, "kes_phase_duration_seconds_sum", function="KubeTask") > 0
    assert value(after, "kes_events_appended_total") > value(before, "kes_events_appended_total")
    assert value(after, "kes_status_writes_total") > value(before, "kes_status_writes_total")


def test_running_actionsets_and_projection_lag_are_gauges(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            blueprint("bp-slow", namespace, {"run": {"phases": [kubetask("wait", "sleep 600")]}}),
            actionset("slow", namespace, blueprint="bp-slow"),
        ]
    )
    wait_for(
        lambda: value(scrape(controller), "kes_running_actionsets") >= 1,
        what="a running ActionSet to show",
    )
    kube.run("delete", "actionset", "slow", "-n", namespace, "--wait=false")
    wait_for(lambda: kube.get("actionset", "slow", namespace) is None, what="the cancellation")
    samples = wait_for(
        lambda: (s := scrape(controller)) and value(s, "kes_running_actionsets") == 0 and s,
        what="no running ActionSet",
    )
    lags = {
        dict(k[1])["projection"]: v
        for k, v in samples.items()
        if k[0] == "kes_projection_lag_events"
    }
    assert "status" in lags and "metrics" in lags, lags
    assert all(lag >= 0 for lag in lags.values())
    # Caught up once idle: ready means lag 0 everywhere.
    idle = wait_for(
        lambda: _get(controller, "/readyz")[0] == 200 and scrape(controller), what="readiness"
    )
    assert all(v == 0 for k, v in idle.items() if k[0] == "kes_projection_lag_events")


def test_health_and_readiness_bodies_are_kanisters(controller: ControllerProcess) -> None:
    status, content_type, body = _get(controller, "/healthz")
    assert status == 200 and content_type == "application/json"
    alive = json.loads(body)
    assert alive["alive"] is True and isinstance(alive["version"], str) and alive["version"]
    assert _get(controller, "/v0/healthz")[2] == body
    status, _, body = _get(controller, "/readyz")
    assert (status, json.loads(body)) == (200, {"status": "ready"})
    assert _get(controller, "/nope")[0] == 404


def test_log_json_writes_one_json_object_per_line(
    controller_kubeconfig: Path, tmp_path: Path
) -> None:
    log = tmp_path / "controller.log"
    process = ControllerProcess(
        kubeconfig=controller_kubeconfig,
        store=tmp_path / "store.sqlite3",
        log=log,
        extra=["--log-json", "--no-create-crds"],
    )
    process.start()
    try:
        wait_for(lambda: "Controller started." in log.read_text(), what="the start log line")
    finally:
        process.stop()
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    messages = [e["message"] for e in entries]
    assert "Controller started." in messages and "Controller stopped." in messages
    assert all(e["level"] in ("debug", "info", "warning", "error") for e in entries)
