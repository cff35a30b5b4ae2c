"""Table responses: kubectl's columns and cells for built-ins, printer columns for CRDs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kes.devcluster import table_cells, tables

NOW = datetime.datetime(2026, 1, 2, 12, 0, 0, tzinfo=datetime.UTC)
CREATED = "2026-01-02T11:55:00Z"  # five minutes before NOW


def _meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": CREATED, **extra}


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        pytest.param(-5, "<invalid>", id="future"),
        pytest.param(-0.5, "0s", id="clock-skew"),
        pytest.param(0, "0s", id="zero"),
        pytest.param(119, "119s", id="under-two-minutes"),
        pytest.param(120, "2m", id="two-minutes"),
        pytest.param(200, "3m20s", id="minutes-seconds"),
        pytest.param(600, "10m", id="ten-minutes"),
        pytest.param(179 * 60, "179m", id="under-three-hours"),
        pytest.param(3 * 3600 + 5 * 60, "3h5m", id="hours-minutes"),
        pytest.param(10 * 3600, "10h", id="hours"),
        pytest.param(50 * 3600, "2d2h", id="days-hours"),
        pytest.param(10 * 86400, "10d", id="days"),
        pytest.param(800 * 86400, "2y70d", id="years-days"),
        pytest.param(9 * 365 * 86400, "9y", id="years"),
    ],
)
def test_human_duration(seconds: float, expected: str) -> None:
    assert table_cells.human_duration(seconds) == expected


def test_age_of_missing_or_bad_timestamp() -> None:
    assert tables.age(None, now=NOW) == "<unknown>"
    assert tables.age("yesterday", now=NOW) == "<unknown>"
    assert tables.age(CREATED, now=NOW) == "5m"


def _single(obj: dict[str, Any], *, kind: str, **kwargs: Any) -> dict[str, Any]:
    return tables.table([obj], kind=kind, resource_version="42", now=NOW, **kwargs)


def _cells(obj: dict[str, Any], *, kind: str) -> dict[str, Any]:
    result = _single(obj, kind=kind)
    names = [c["name"] for c in result["columnDefinitions"]]
    return dict(zip(names, result["rows"][0]["cells"], strict=True))


def test_table_envelope_and_partial_object() -> None:
    obj = {"kind": "ConfigMap", "metadata": _meta("c", labels={"a": "b"}), "data": {"k": "v"}}
    result = _single(obj, kind="ConfigMap")
    assert result["kind"] == "Table"
    assert result["apiVersion"] == "meta.k8s.io/v1"
    assert result["metadata"] == {"resourceVersion": "42"}
    assert [c["name"] for c in result["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert result["columnDefinitions"][0]["format"] == "name"
    assert result["rows"] == [{
        "cells": ["c", 1, "5m"],
        "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                   "metadata": obj["metadata"]},
    }]


def test_watch_rows_omit_column_definitions_and_lists_carry_continue() -> None:
    obj = {"metadata": _meta("c")}
    assert _single(obj, kind="ConfigMap",
                   include_column_definitions=False)["columnDefinitions"] is None
    paged = tables.table([], kind="ConfigMap", resource_version="7", continue_token="abc")
    assert paged["metadata"] == {"resourceVersion": "7", "continue": "abc"}
    assert paged["rows"] == []


def _pod(**status: Any) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": _meta("web-0"),
            "spec": {"initContainers": [{"name": "setup"}],
                     "containers": [{"name": "main"}, {"name": "side"}]},
            "status": status}


def _running(ready: bool = True, restarts: int = 0) -> dict[str, Any]:
    return {"ready": ready, "restartCount": restarts,
            "state": {"running": {"startedAt": CREATED}}}


@pytest.mark.parametrize(
    ("pod", "ready", "status", "restarts"),
    [
        pytest.param(_pod(phase="Pending"), "0/2", "Pending", 0, id="pending"),
        pytest.param(_pod(phase="Running", containerStatuses=[_running(), _running()]),
                     "2/2", "Running", 0, id="running"),
        pytest.param(_pod(phase="Running",
                          containerStatuses=[_running(), _running(ready=False, restarts=2)]),
                     "1/2", "Running", 2, id="one-not-ready"),
        pytest.param(_pod(phase="Pending", containerStatuses=[
            {"ready": False, "restartCount": 0,
             "state": {"waiting": {"reason": "ContainerCreating"}}}]),
            "0/2", "ContainerCreating", 0, id="waiting-reason"),
        pytest.param(_pod(phase="Succeeded", containerStatuses=[
            {"ready": False, "restartCount": 0,
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]),
            "0/2", "Completed", 0, id="completed"),
        pytest.param(_pod(phase="Failed", containerStatuses=[
            {"ready": False, "restartCount": 0, "state": {"terminated": {"exitCode": 3}}}]),
            "0/2", "ExitCode:3", 0, id="exit-code-without-reason"),
        pytest.param(_pod(phase="Running", containerStatuses=[
            _running(),
            {"ready": False, "restartCount": 0,
             "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
            conditions=[{"type": "Ready", "status": "False"}]),
            "1/2", "NotReady", 0, id="completed-but-one-running"),
        pytest.param(_pod(phase="Failed", reason="Evicted"), "0/2", "Evicted", 0,
                     id="pod-reason"),
        pytest.param(_pod(phase="Pending", initContainerStatuses=[
            {"restartCount": 1, "state": {"waiting": {"reason": "PodInitializing"}}}]),
            "0/2", "Init:0/1", 1, id="init-running"),
        pytest.param(_pod(phase="Pending", initContainerStatuses=[
            {"restartCount": 0, "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]),
            "0/2", "Init:Error", 0, id="init-failed"),
        pytest.param(_pod(phase="Running", initContainerStatuses=[
            {"restartCount": 0, "state": {"terminated": {"exitCode": 0}}}],
            containerStatuses=[_running(), _running()]),
            "2/2", "Running", 0, id="init-done"),
        pytest.param(_pod(phase="Pending", initContainerStatuses=[
            {"restartCount": 0, "state": {"waiting": {"reason": "ImagePullBackOff"}}}]),
            "0/2", "Init:ImagePullBackOff", 0, id="init-waiting-reason"),
    ],
)
def test_pod_status_column(pod: dict[str, Any], ready: str, status: str, restarts: int) -> None:
    cells = _cells(pod, kind="Pod")
    assert (cells["Ready"], cells["Status"], cells["Restarts"]) == (ready, status, restarts)


def test_terminating_pod_and_wide_columns() -> None:
    pod = _pod(phase="Running", podIP="127.0.0.1", containerStatuses=[_running()])
    pod["metadata"]["deletionTimestamp"] = CREATED
    pod["spec"]["nodeName"] = "local"
    result = _single(pod, kind="Pod")
    assert [c["name"] for c in result["columnDefinitions"] if c["priority"] == 0] == [
        "Name", "Ready", "Status", "Restarts", "Age"]
    cells = _cells(pod, kind="Pod")
    assert cells["Status"] == "Terminating"
    assert (cells["IP"], cells["Node"], cells["Nominated Node"]) == ("127.0.0.1", "local",
                                                                     "<none>")


def test_restarts_show_when_last_restarted() -> None:
    status = _running(restarts=3)
    status["lastState"] = {"terminated": {"finishedAt": "2026-01-02T11:58:00Z"}}
    cells = _cells(_pod(phase="Running", containerStatuses=[status]), kind="Pod")
    assert cells["Restarts"] == "3 (2m ago)"


def _workload(kind: str, **status: Any) -> dict[str, Any]:
    return {"kind": kind, "metadata": _meta("web"),
            "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"spec": {"containers": [{"name": "main", "image": "nginx"}]}}},
            "status": status}


@pytest.mark.parametrize(
    ("obj", "kind", "expected"),
    [
        pytest.param(_workload("Deployment", readyReplicas=2, updatedReplicas=3,
                               availableReplicas=2), "Deployment",
                     {"Name": "web", "Ready": "2/3", "Up-to-date": 3, "Available": 2,
                      "Age": "5m", "Containers": "main", "Images": "nginx",
                      "Selector": "app=web"}, id="deployment"),
        pytest.param(_workload("Deployment"), "Deployment",
                     {"Name": "web", "Ready": "0/3", "Up-to-date": 0, "Available": 0,
                      "Age": "5m", "Containers": "main", "Images": "nginx",
                      "Selector": "app=web"}, id="deployment-no-status"),
        pytest.param(_workload("ReplicaSet", replicas=3, readyReplicas=1), "ReplicaSet",
                     {"Name": "web", "Desired": 3, "Current": 3, "Ready": 1, "Age": "5m",
                      "Containers": "main", "Images": "nginx", "Selector": "app=web"},
                     id="replicaset"),
        pytest.param(_workload("StatefulSet", readyReplicas=3), "StatefulSet",
                     {"Name": "web", "Ready": "3/3", "Age": "5m", "Containers": "main",
                      "Images": "nginx"}, id="statefulset"),
        pytest.param({"metadata": _meta("db"),
                      "spec": {"clusterIP": "10.0.0.1", "selector": {"app": "db"},
                               "ports": [{"port": 5432, "protocol": "TCP"},
                                         {"port": 80, "nodePort": 30080}]}},
                     "Service",
                     {"Name": "db", "Type": "ClusterIP", "Cluster-IP": "10.0.0.1",
                      "External-IP": "<none>", "Port(s)": "5432/TCP,80:30080/TCP",
                      "Age": "5m", "Selector": "app=db"}, id="service"),
        pytest.param({"metadata": _meta("s"), "type": "kubernetes.io/tls",
                      "data": {"a": "", "b": ""}}, "Secret",
                     {"Name": "s", "Type": "kubernetes.io/tls", "Data": 2, "Age": "5m"},
                     id="secret"),
        pytest.param({"metadata": _meta("kes"), "status": {"phase": "Terminating"}},
                     "Namespace", {"Name": "kes", "Status": "Terminating", "Age": "5m"},
                     id="namespace"),
        pytest.param({"metadata": _meta("data"),
                      "spec": {"volumeName": "pv-1", "storageClassName": "local"},
                      "status": {"phase": "Bound", "capacity": {"storage": "1Gi"},
                                 "accessModes": ["ReadWriteOnce"]}},
                     "PersistentVolumeClaim",
                     {"Name": "data", "Status": "Bound", "Volume": "pv-1", "Capacity": "1Gi",
                      "Access Modes": "RWO", "StorageClass": "local",
                      "VolumeAttributesClass": "<unset>", "Age": "5m",
                      "VolumeMode": "Filesystem"}, id="pvc"),
        pytest.param({"metadata": _meta("l"), "spec": {"holderIdentity": "kes-1"}}, "Lease",
                     {"Name": "l", "Holder": "kes-1", "Age": "5m"}, id="lease"),
        pytest.param({"metadata": _meta("sa"), "secrets": [{"name": "t"}]}, "ServiceAccount",
                     {"Name": "sa", "Age": "5m"}, id="serviceaccount"),  # no SECRETS in 1.37
        pytest.param({"metadata": _meta("widgets.example.com")}, "CustomResourceDefinition",
                     {"Name": "widgets.example.com", "Created At": CREATED}, id="crd"),
        pytest.param({"metadata": _meta("rb"), "roleRef": {"kind": "Role", "name": "r"},
                      "subjects": [{"kind": "ServiceAccount", "name": "kes",
                                    "namespace": "kes"}]}, "RoleBinding",
                     {"Name": "rb", "Role": "Role/r", "Age": "5m", "Users": "", "Groups": "",
                      "ServiceAccounts": "kes/kes"}, id="rolebinding"),
        pytest.param({"metadata": _meta("thing")}, "Gadget", {"Name": "thing", "Age": "5m"},
                     id="unknown-kind"),
    ],
)
def test_builtin_rows(obj: dict[str, Any], kind: str, expected: dict[str, Any]) -> None:
    assert _cells(obj, kind=kind) == expected


def test_event_row() -> None:
    event = {"kind": "Event", "metadata": _meta("web-0.17"), "type": "Warning",
             "reason": "BackOff", "message": "Back-off restarting", "count": 4,
             "firstTimestamp": "2026-01-02T11:00:00Z", "lastTimestamp": "2026-01-02T11:58:00Z",
             "involvedObject": {"kind": "Pod", "name": "web-0"},
             "source": {"component": "kubelet", "host": "local"}}
    cells = _cells(event, kind="Event")
    assert cells["Last Seen"] == "2m (x4 over 60m)"
    assert (cells["Type"], cells["Reason"], cells["Object"], cells["Message"]) == (
        "Warning", "BackOff", "pod/web-0", "Back-off restarting")
    assert (cells["Source"], cells["Count"], cells["Name"]) == ("kubelet, local", 4, "web-0.17")
    result = _single(event, kind="Event")
    assert [c["name"] for c in result["columnDefinitions"] if c["priority"] == 0] == [
        "Last Seen", "Type", "Reason", "Object", "Message"]


PRINTER_COLUMNS: list[dict[str, Any]] = [
    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
    {"name": "Ready", "type": "string",
     "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Tags", "type": "string", "jsonPath": ".spec.tags[*]", "priority": 1},
    {"name": "Spec", "type": "string", "jsonPath": ".spec.nested"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    {"name": "Missing", "type": "string", "jsonPath": ".status.nope",
     "description": "Nothing here"},
]


def test_crd_printer_columns() -> None:
    obj = {"kind": "Widget", "metadata": _meta("w1"),
           "spec": {"size": 3, "tags": ["a", "b"], "nested": {"x": 1}},
           "status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    result = tables.table([obj], kind="Widget", resource_version="9",
                          printer_columns=PRINTER_COLUMNS, now=NOW)
    assert [(c["name"], c["type"], c["priority"]) for c in result["columnDefinitions"]] == [
        ("Name", "string", 0), ("Size", "integer", 0), ("Ready", "string", 0),
        ("Tags", "string", 1), ("Spec", "string", 0), ("Age", "date", 0),
        ("Missing", "string", 0)]
    assert result["columnDefinitions"][-1]["description"] == "Nothing here"
    assert result["rows"][0]["cells"] == ["w1", 3, "True", "a,b", '{"x":1}', "5m", None]


def test_crd_with_bad_jsonpath_gives_empty_cell() -> None:
    result = tables.table([{"metadata": _meta("w")}], kind="Widget", resource_version="1",
                          printer_columns=[{"name": "X", "type": "string", "jsonPath": "bad["}],
                          now=NOW)
    assert result["rows"][0]["cells"] == ["w", None]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param(None, "<none>", id="none"),
        pytest.param({"matchLabels": {"b": "2", "a": "1"}}, "a=1,b=2", id="labels-sorted"),
        pytest.param({"matchExpressions": [
            {"key": "t", "operator": "In", "values": ["x", "y"]},
            {"key": "e", "operator": "Exists"}, {"key": "d", "operator": "DoesNotExist"}]},
            "t in (x,y),e,!d", id="expressions"),
    ],
)
def test_format_label_selector(selector: dict[str, Any] | None, expected: str) -> None:
    assert table_cells.format_label_selector(selector) == expected


def test_malformed_object_gets_its_name_and_empty_cells() -> None:
    result = tables.table([{"metadata": _meta("odd"), "spec": True}], kind="Pod",
                          resource_version="1", now=NOW)
    assert result["rows"][0]["cells"] == ["odd"] + [None] * 8
