"""The kubelet's per-pod hosts file: what it lists, and that it is rewritten in place."""

from __future__ import annotations

import os
from pathlib import Path

from kes.devcluster.kubelet import hosts


def test_render_lists_each_service_under_its_cluster_names() -> None:
    text = hosts.render(services=[("shop", "db"), ("kanister", "repo-server-service-abcde")],
                        pod_namespace="shop", hostname="web-0",
                        machine_entries="127.0.0.1 localhost\n\n::1 localhost\n")
    lines = text.splitlines()
    assert lines[1:3] == ["127.0.0.1 localhost", "::1 localhost"]
    assert "127.0.0.1\tweb-0" in lines
    assert ("127.0.0.1\trepo-server-service-abcde.kanister "
            "repo-server-service-abcde.kanister.svc "
            "repo-server-service-abcde.kanister.svc.cluster.local") in lines
    # Only a Service of the pod's own namespace answers to its bare name.
    assert "127.0.0.1\tdb db.shop db.shop.svc db.shop.svc.cluster.local" in lines


def test_files_follow_services_and_keep_their_inode(tmp_path: Path) -> None:
    machine = tmp_path / "machine-hosts"
    machine.write_text("127.0.0.1 localhost\n")
    files = hosts.HostsFiles(machine_hosts=machine)
    pod = {"metadata": {"name": "p", "namespace": "ns"}, "spec": {"hostname": "custom"}}
    mount = files.mount_for(uid="u1", pod=pod, pod_dir=tmp_path / "pod")
    assert (mount.target, mount.read_only) == ("/etc/hosts", True)
    inode = os.stat(mount.source).st_ino
    assert "custom" in mount.source.read_text()
    service = {"metadata": {"name": "svc-with-a-long-name", "namespace": "other"}}
    files.service_event(event_type="ADDED", service=service)
    assert "svc-with-a-long-name.other.svc.cluster.local" in mount.source.read_text()
    files.service_event(event_type="DELETED", service=service)
    text = mount.source.read_text()
    assert "svc-with-a-long-name" not in text
    assert text.endswith("127.0.0.1\tcustom\n")  # the longer old content was trimmed
    assert os.stat(mount.source).st_ino == inode
    files.forget("u1")
    files.service_event(event_type="ADDED", service=service)
    assert "svc-with-a-long-name" not in mount.source.read_text()
