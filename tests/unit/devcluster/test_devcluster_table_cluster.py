"""Table rows for nodes, persistent volumes, storage classes, endpoints, daemon sets, jobs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kes.devcluster import table_printers_cluster, tables

NOW = datetime.datetime(2026, 1, 2, 12, 0, 0, tzinfo=datetime.UTC)
CREATED = "2026-01-02T11:55:00Z"


def _cells(obj: dict[str, Any], *, kind: str) -> dict[str, Any]:
    result = tables.table([obj], kind=kind, resource_version="1", now=NOW)
    names = [c["name"] for c in result["columnDefinitions"]]
    return dict(zip(names, result["rows"][0]["cells"], strict=True))


def _meta(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "creationTimestamp": CREATED, **extra}


NODE = {
    "kind": "Node",
    "metadata": _meta("kes-devcluster", labels={"node-role.kubernetes.io/control-plane": "",
                                                "kubernetes.io/hostname": "kes-devcluster"}),
    "spec": {},
    "status": {"conditions": [{"type": "Ready", "status": "True"}],
               "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
               "nodeInfo": {"kubeletVersion": "v1.32.0-kes", "osImage": "Debian",
                            "kernelVersion": "6.1", "containerRuntimeVersion": "process://bwrap"}},
}


def test_node_row() -> None:
    assert _cells(NODE, kind="Node") == {
        "Name": "kes-devcluster", "Status": "Ready", "Roles": "control-plane", "Age": "5m",
        "Version": "v1.32.0-kes", "Internal-IP": "127.0.0.1", "External-IP": "<none>",
        "OS-Image": "Debian", "Kernel-Version": "6.1", "Container-Runtime": "process://bwrap"}


@pytest.mark.parametrize(
    ("conditions", "unschedulable", "expected"),
    [
        pytest.param([{"type": "Ready", "status": "False"}], False, "NotReady", id="not-ready"),
        pytest.param([], False, "Unknown", id="no-condition"),
        pytest.param([{"type": "Ready", "status": "True"}], True, "Ready,SchedulingDisabled",
                     id="cordoned"),
    ],
)
def test_node_status(conditions: list[dict[str, str]], unschedulable: bool,
                     expected: str) -> None:
    node = {"spec": {"unschedulable": unschedulable}, "status": {"conditions": conditions}}
    assert table_printers_cluster.node_status(node) == expected


def test_persistent_volume_row() -> None:
    pv = {"metadata": _meta("pv-1"),
          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                   "claimRef": {"namespace": "default", "name": "data"},
                   "storageClassName": "local", "persistentVolumeReclaimPolicy": "Delete"},
          "status": {"phase": "Bound"}}
    assert _cells(pv, kind="PersistentVolume") == {
        "Name": "pv-1", "Capacity": "1Gi", "Access Modes": "RWO", "Reclaim Policy": "Delete",
        "Status": "Bound", "Claim": "default/data", "StorageClass": "local",
        "VolumeAttributesClass": "<unset>", "Reason": "", "Age": "5m",
        "VolumeMode": "Filesystem"}


def test_storage_class_row_marks_the_default() -> None:
    sc = {"metadata": _meta("standard", annotations={
        "storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "kes.dev/hostpath", "volumeBindingMode": "WaitForFirstConsumer"}
    assert _cells(sc, kind="StorageClass") == {
        "Name": "standard (default)", "Provisioner": "kes.dev/hostpath",
        "ReclaimPolicy": "Delete", "VolumeBindingMode": "WaitForFirstConsumer",
        "AllowVolumeExpansion": False, "Age": "5m"}


@pytest.mark.parametrize(
    ("subsets", "expected"),
    [
        pytest.param([], "<none>", id="none"),
        pytest.param([{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}],
                     "10.0.0.1:80", id="one"),
        pytest.param([{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 6)],
                       "ports": [{"port": 80}]}],
                     "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", id="more"),
    ],
)
def test_endpoints_row(subsets: list[dict[str, Any]], expected: str) -> None:
    cells = _cells({"metadata": _meta("svc"), "subsets": subsets}, kind="Endpoints")
    assert cells["Endpoints"] == expected


def test_daemonset_row() -> None:
    ds = {"metadata": _meta("agent"),
          "spec": {"selector": {"matchLabels": {"app": "agent"}},
                   "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                         "containers": [{"name": "a", "image": "agent:1"}]}}},
          "status": {"desiredNumberScheduled": 1, "currentNumberScheduled": 1,
                     "numberReady": 1, "updatedNumberScheduled": 1, "numberAvailable": 1}}
    assert _cells(ds, kind="DaemonSet") == {
        "Name": "agent", "Desired": 1, "Current": 1, "Ready": 1, "Up-to-date": 1,
        "Available": 1, "Node Selector": "kubernetes.io/os=linux", "Age": "5m",
        "Containers": "a", "Images": "agent:1", "Selector": "app=agent"}


@pytest.mark.parametrize(
    ("spec", "status", "expected"),
    [
        pytest.param({"completions": 1}, {"succeeded": 1, "startTime": "2026-01-02T11:56:00Z",
                                          "completionTime": "2026-01-02T11:56:30Z",
                                          "conditions": [{"type": "Complete",
                                                          "status": "True"}]},
                     ("Complete", "1/1", "30s"), id="complete"),
        pytest.param({"completions": 3}, {"succeeded": 1, "startTime": "2026-01-02T11:58:00Z"},
                     ("Running", "1/3", "2m"), id="running"),
        pytest.param({"parallelism": 2}, {"conditions": [{"type": "Failed", "status": "True"}]},
                     ("Failed", "0/1 of 2", ""), id="failed-parallel"),
        pytest.param({"suspend": True}, {"conditions": [{"type": "Suspended",
                                                          "status": "True"}]},
                     ("Suspended", "0/1", ""), id="suspended"),
    ],
)
def test_job_row(spec: dict[str, Any], status: dict[str, Any],
                 expected: tuple[str, str, str]) -> None:
    job = {"metadata": _meta("backup"), "spec": {**spec, "template": {"spec": {"containers": [
        {"name": "main", "image": "kanister-tools"}]}}}, "status": status}
    cells = _cells(job, kind="Job")
    assert (cells["Status"], cells["Completions"], cells["Duration"]) == expected
    assert (cells["Containers"], cells["Images"]) == ("main", "kanister-tools")
