"""The real control plane's pure parts: command lines, ports kept across restarts, the
provisioner's volumes, the kubelet's pod selection."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

from kes.devcluster import certs
from kes.devcluster.controlplane import flags, layout, pki, provisioner
from kes.devcluster.kubelet import config


def _setup(tmp_path: Path) -> tuple[layout.Layout, pki.Pki, layout.Ports]:
    where = layout.Layout(tmp_path)
    return where, pki.ensure(where), layout.Ports(apiserver=6443, etcd_client=2379,
                                                  etcd_peer=2380, kubelet=10250)


def _value(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


def test_everything_listens_on_loopback_only(tmp_path: Path) -> None:
    where, keys, ports = _setup(tmp_path)
    api = flags.apiserver(where, keys, ports)
    assert _value(api, "--bind-address") == "127.0.0.1"
    assert _value(api, "--etcd-servers") == "https://127.0.0.1:2379"
    etcd = flags.etcd(where, keys, ports)
    assert _value(etcd, "--listen-client-urls") == "https://127.0.0.1:2379"
    assert _value(etcd, "--listen-peer-urls") == "http://127.0.0.1:2380"
    for argv in (flags.controller_manager(where, keys), flags.scheduler(where)):
        assert "--secure-port=0" in argv and "--leader-elect=false" in argv


def test_rbac_and_the_node_authorizer_are_enforced(tmp_path: Path) -> None:
    where, keys, ports = _setup(tmp_path)
    api = flags.apiserver(where, keys, ports)
    assert _value(api, "--authorization-mode") == "Node,RBAC"
    assert _value(api, "--enable-admission-plugins") == "NodeRestriction"
    assert "--use-service-account-credentials" in flags.controller_manager(where, keys)


def test_components_get_their_own_identities(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    _, keys, _ = _setup(tmp_path)

    def subject(pair: certs.KeyPair) -> tuple[str, list[str]]:
        name = x509.load_pem_x509_certificate(pair.cert.read_bytes()).subject
        return (name.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                [a.value for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)])

    assert subject(keys.kubelet_client) == ("system:node:kes-devcluster", ["system:nodes"])
    assert subject(keys.controller_manager) == ("system:kube-controller-manager", [])
    assert subject(keys.scheduler) == ("system:kube-scheduler", [])
    # The admin is a static token in system:masters, the same token as the stand-in's.
    line = (tmp_path / "pki" / "tokens.csv").read_text()
    assert line == f'{keys.creds.token},kes-dev-admin,kes-dev-admin,"system:masters"\n'
    assert (tmp_path / "pki" / "tokens.csv").stat().st_mode & 0o077 == 0


def test_credentials_are_made_once(tmp_path: Path) -> None:
    _, first, _ = _setup(tmp_path)
    before = first.kubelet_serving.cert.read_bytes()
    _, second, _ = _setup(tmp_path)
    assert second.kubelet_serving.cert.read_bytes() == before
    assert second.creds.token == first.creds.token


def test_ports_are_kept_while_free(tmp_path: Path) -> None:
    where = layout.Layout(tmp_path)
    first = layout.choose_ports(where, apiserver=0)
    assert json.loads(where.ports_file.read_text())["etcd_client"] == first.etcd_client
    again = layout.choose_ports(where, apiserver=0)
    assert again == first
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", first.etcd_peer))
        busy.listen()
        moved = layout.choose_ports(where, apiserver=0)
    assert moved.etcd_peer != first.etcd_peer and moved.etcd_client == first.etcd_client
    assert layout.choose_ports(where, apiserver=7443).apiserver == 7443


def _claim(**annotations: str) -> dict[str, Any]:
    return {"metadata": {"name": "data", "namespace": "app", "uid": "u-1",
                         "annotations": annotations},
            "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "standard",
                     "resources": {"requests": {"storage": "2Gi"}}}}


def test_a_claim_asked_of_us_gets_a_directory_volume(tmp_path: Path) -> None:
    claim = _claim(**{"volume.kubernetes.io/storage-provisioner": "kes.dev/local-path"})
    assert provisioner.wants_volume(claim)
    assert not provisioner.wants_volume(_claim(**{
        "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com"}))
    volume = provisioner.volume_for(claim, data_dir=tmp_path)
    # The kubelet mounts a claim from <data dir>/volumes/<volumeName> on both engines.
    assert volume["metadata"]["name"] == "pvc-u-1"
    assert volume["spec"]["hostPath"]["path"] == str(tmp_path / "volumes" / "pvc-u-1")
    assert volume["spec"]["claimRef"] == {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                          "namespace": "app", "name": "data", "uid": "u-1"}
    assert volume["spec"]["capacity"] == {"storage": "2Gi"}
    released = {**volume, "status": {"phase": "Released"}}
    assert provisioner.is_released(released) and not provisioner.is_released(volume)


def test_the_node_is_the_one_the_certificates_name() -> None:
    assert layout.NODE_NAME == config.NODE_NAME


def test_the_kubelet_runs_the_pods_bound_to_it() -> None:
    assert config.NodeConfig().pod_selector is None  # the stand-in: every pod, it binds them
    assert config.NodeConfig(stand_in=False).pod_selector == "spec.nodeName=kes-devcluster"
