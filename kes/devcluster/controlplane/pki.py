"""Credentials of the real control plane, made once per data directory, as kubeadm lays them out.

One CA (the stand-in's, `pki/ca.crt`) signs everything. Users reach the API server with the
same bearer token as on the stand-in (`pki/token`, here a static token of a `system:masters`
user), so `kes dev`, the tests and the README's kubeconfig work unchanged. Each component
identifies itself by a client certificate whose common name is the user the default RBAC roles
expect (`system:kube-controller-manager`, `system:kube-scheduler`, `system:node:<node>` in
`system:nodes` for the Node authorizer and NodeRestriction). The API server reaches the kubelet
with a client certificate of its own and checks the kubelet's serving certificate; the kubelet
accepts only clients signed by the CA. Service account tokens are signed by `pki/sa.key`.
"""

from __future__ import annotations

import dataclasses

from kes.devcluster import certs
from kes.devcluster.controlplane import layout as layout_mod

ADMIN_USER = "kes-dev-admin"
PROVISIONER_USER = "system:kes:local-provisioner"
_LOCAL_NAMES = ("127.0.0.1", "localhost")


@dataclasses.dataclass(frozen=True)
class Pki:
    creds: certs.Credentials
    etcd_server: certs.KeyPair
    apiserver_etcd_client: certs.KeyPair
    apiserver_kubelet_client: certs.KeyPair
    controller_manager: certs.KeyPair
    scheduler: certs.KeyPair
    kubelet_client: certs.KeyPair
    kubelet_serving: certs.KeyPair
    provisioner: certs.KeyPair
    service_accounts: certs.KeyPair

    @property
    def ca_key(self) -> str:
        return str(self.creds.ca_cert.with_suffix(".key"))


def ensure(layout: layout_mod.Layout) -> Pki:
    """Load the credentials, creating whatever is missing (and the static token file)."""
    creds = certs.ensure(layout.data_dir)

    def client(name: str, user: str, *groups: str) -> certs.KeyPair:
        return certs.issue(creds, name=name, common_name=user, organizations=groups,
                           client=True)

    node = layout_mod.NODE_NAME
    pki = Pki(
        creds=creds,
        etcd_server=certs.issue(creds, name="etcd-server", common_name="kes-etcd",
                                server_names=_LOCAL_NAMES),
        apiserver_etcd_client=client("apiserver-etcd-client", "kube-apiserver-etcd-client"),
        apiserver_kubelet_client=client("apiserver-kubelet-client",
                                        "kube-apiserver-kubelet-client"),
        controller_manager=client("controller-manager", "system:kube-controller-manager"),
        scheduler=client("scheduler", "system:kube-scheduler"),
        kubelet_client=client("kubelet-client", f"system:node:{node}", "system:nodes"),
        kubelet_serving=certs.issue(creds, name="kubelet-serving", common_name=node,
                                    server_names=(*_LOCAL_NAMES, node)),
        provisioner=client("local-provisioner", PROVISIONER_USER),
        service_accounts=certs.signing_key(creds, name="sa"),
    )
    # The CSV of --token-auth-file: token, user, uid, "groups".
    line = f'{creds.token},{ADMIN_USER},{ADMIN_USER},"system:masters"\n'
    if not layout.tokens_file.exists() or layout.tokens_file.read_text() != line:
        certs.write_private(layout.tokens_file, line.encode())
    return pki


def write_kubeconfigs(layout: layout_mod.Layout, pki: Pki, *, url: str) -> None:
    """The admin kubeconfig (`kubeconfig`, token) and one per component (client certificate)."""
    certs.write_kubeconfig(path=layout.data_dir / "kubeconfig", creds=pki.creds, url=url)
    for component, pair in (("controller-manager", pki.controller_manager),
                            ("scheduler", pki.scheduler), ("kubelet", pki.kubelet_client),
                            ("local-provisioner", pki.provisioner)):
        certs.write_kubeconfig(path=layout.kubeconfig_of(component), creds=pki.creds, url=url,
                               client=pair)
