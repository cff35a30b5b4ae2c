"""The *UsingKopiaServer functions' shared part: which user, which password, which server."""

from __future__ import annotations

from typing import Any

import pytest
from kopia_harness import make_certificate

from kes.adapters.kopia import tls
from kes.functions import base, kopiaserver, restoredatausingkopiaserver


def ctx(template_params: dict[str, Any]) -> base.PhaseContext:
    return base.PhaseContext(api=None, namespace="kanister",  # type: ignore[arg-type]
                             action_set=base.ActionSetRef(name="a", namespace="kanister"),
                             template_params=template_params)


def server(users: dict[str, bytes], cert: bytes) -> dict[str, Any]:
    return {"RepositoryServer": {
        "Name": "repo", "Namespace": "kanister", "Username": "kanisteruser",
        "Address": "https://repo-server-service-abcde.kanister.svc.cluster.local:51515",
        "Credentials": {"ServerTLS": {"Data": {"tls.crt": cert}},
                        "ServerUserAccess": {"Data": users}},
    }}


def test_the_sorted_first_hostname_is_chosen_without_the_argument() -> None:
    cert, _ = make_certificate()
    params = server({"zeta.example": b"pz", "alpha.example": b"pa"}, cert)
    chosen = kopiaserver.access(ctx(params))
    assert (chosen.hostname, chosen.password) == ("alpha.example", "pa")
    assert chosen.fingerprint == tls.fingerprint(cert)
    assert chosen.config_file == "/tmp/kopia-repository/alpha-example.config"
    assert chosen.log_directory == "/tmp/kopia-log/alpha-example"
    named = kopiaserver.access(ctx(params), hostname="zeta.example")
    assert (named.hostname, named.password) == ("zeta.example", "pz")


def test_connect_command_is_kanisters_with_the_password_on_stdin_only() -> None:
    cert, _ = make_certificate()
    chosen = kopiaserver.access(ctx(server({"host": b"user-secret"}, cert)))
    cmd = kopiaserver.connect_command(chosen)
    assert "--override-username=kanisteruser" in cmd.kanister_argv()
    assert "--override-hostname=host" in cmd.kanister_argv()
    assert "--metadata-cache-size-limit-mb=500" in cmd.kanister_argv()
    assert not any("user-secret" in a for a in cmd.invocation().argv)


@pytest.mark.parametrize(("params", "hostname", "message"), [
    pytest.param({}, "", "the action has no repositoryServer", id="no-server"),
    pytest.param("users", "nope", "hostname provided in the repository server CR does not "
                 "exist in the user access map", id="unknown-host"),
    pytest.param("bad-cert", "", "Failed to extract fingerprint", id="bad-cert"),
])
def test_errors(params: Any, hostname: str, message: str) -> None:
    cert, _ = make_certificate()
    if params == "users":
        params = server({"host": b"pw"}, cert)
    elif params == "bad-cert":
        params = server({"host": b"pw"}, cert + cert)
    with pytest.raises(base.FunctionError, match=message):
        kopiaserver.access(ctx(params), hostname=hostname)


def test_restore_volumes_come_from_the_workload_pod() -> None:
    params = {"Deployment": {"PersistentVolumeClaims": {"app-0": {"data": "/data"}}}}
    assert restoredatausingkopiaserver.pod_volumes(params, "app-0") == {"data": "/data"}
    with pytest.raises(base.FunctionError, match="Failed to find volumes for the Pod: app-1"):
        restoredatausingkopiaserver.pod_volumes(params, "app-1")
    with pytest.raises(base.FunctionError, match="Invalid Template Params"):
        restoredatausingkopiaserver.pod_volumes({}, "app-0")
