"""The command lines of etcd and of Kubernetes' control plane components (pure).

Everything listens on 127.0.0.1 only. Choices that differ from a production cluster, and why:
- etcd runs with `--unsafe-no-fsync`: this is a throwaway development cluster, and the stand-in
  engine it is measured against does not fsync per write either (SQLite WAL, synchronous=NORMAL).
- `--endpoint-reconciler-type=none`: the API server refuses to advertise a loopback address in
  the `kubernetes` Service's endpoints; pods reach it through KUBERNETES_SERVICE_HOST=127.0.0.1.
- The controller manager and the scheduler serve no HTTPS of their own (`--secure-port=0`) and
  do not elect a leader (one of each).
- `--use-service-account-credentials`: each controller acts with its own service account, as in
  kubeadm clusters, so RBAC applies to them as it would in production.
"""

from __future__ import annotations

from kes.devcluster.controlplane import layout as layout_mod
from kes.devcluster.controlplane import pki as pki_mod

SERVICE_CIDR = "10.96.0.0/16"
ISSUER = "https://kubernetes.default.svc.cluster.local"


def etcd(layout: layout_mod.Layout, pki: pki_mod.Pki, ports: layout_mod.Ports) -> list[str]:
    client = f"https://127.0.0.1:{ports.etcd_client}"
    peer = f"http://127.0.0.1:{ports.etcd_peer}"
    return [
        "--name", "kes",
        "--data-dir", str(layout.etcd_data),
        "--listen-client-urls", client, "--advertise-client-urls", client,
        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
        "--initial-cluster", f"kes={peer}",
        "--cert-file", str(pki.etcd_server.cert), "--key-file", str(pki.etcd_server.key),
        "--client-cert-auth", "--trusted-ca-file", str(pki.creds.ca_cert),
        "--unsafe-no-fsync", "--log-level", "warn",
    ]


def apiserver(
    layout: layout_mod.Layout, pki: pki_mod.Pki, ports: layout_mod.Ports
) -> list[str]:
    ca = str(pki.creds.ca_cert)
    return [
        "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
        "--secure-port", str(ports.apiserver),
        "--etcd-servers", f"https://127.0.0.1:{ports.etcd_client}", "--etcd-cafile", ca,
        "--etcd-certfile", str(pki.apiserver_etcd_client.cert),
        "--etcd-keyfile", str(pki.apiserver_etcd_client.key),
        "--tls-cert-file", str(pki.creds.server_cert),
        "--tls-private-key-file", str(pki.creds.server_key),
        "--client-ca-file", ca,
        "--token-auth-file", str(layout.tokens_file),
        "--service-account-issuer", ISSUER,
        "--service-account-key-file", str(pki.service_accounts.cert),
        "--service-account-signing-key-file", str(pki.service_accounts.key),
        "--authorization-mode", "Node,RBAC",
        "--enable-admission-plugins", "NodeRestriction",
        "--kubelet-client-certificate", str(pki.apiserver_kubelet_client.cert),
        "--kubelet-client-key", str(pki.apiserver_kubelet_client.key),
        "--kubelet-certificate-authority", ca,
        "--kubelet-preferred-address-types", "InternalIP",
        "--service-cluster-ip-range", SERVICE_CIDR,
        "--allow-privileged=true",
        "--endpoint-reconciler-type=none",
        "--profiling=false",
    ]


def controller_manager(layout: layout_mod.Layout, pki: pki_mod.Pki) -> list[str]:
    return [
        "--kubeconfig", str(layout.kubeconfig_of("controller-manager")),
        "--secure-port=0", "--leader-elect=false",
        "--use-service-account-credentials",
        "--service-account-private-key-file", str(pki.service_accounts.key),
        "--root-ca-file", str(pki.creds.ca_cert),
        "--cluster-signing-cert-file", str(pki.creds.ca_cert),
        "--cluster-signing-key-file", pki.ca_key,
        "--service-cluster-ip-range", SERVICE_CIDR,
    ]


def scheduler(layout: layout_mod.Layout) -> list[str]:
    return [
        "--kubeconfig", str(layout.kubeconfig_of("scheduler")),
        "--secure-port=0", "--leader-elect=false",
    ]
