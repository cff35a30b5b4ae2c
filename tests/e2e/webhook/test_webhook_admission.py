"""`kubectl apply` of Blueprints through the cluster's admission webhooks to the controller.

Kanister's webhook refuses its own two example Blueprints that reuse a phase name; so does kes,
with Kanister's message, as the API server words a webhook's refusal. A valid Blueprint is
admitted. Rotating the certificate (a renewal by the same CA, then a new CA) keeps the webhook
answering without a restart.
"""

from __future__ import annotations

import json
import re
import socket
import ssl
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import actionset, blueprint, kubetask
from cryptography import x509
from e2e_harness import ROOT
from webhook_harness import (
    Cluster,
    WebhookController,
    configuration,
    deploy_objects,
    new_pair,
    wait_until,
)

from kes.controller import certificates

FIXTURES = ROOT / "tests" / "fixtures" / "webhook"
REFUSED = {
    "rds-postgres-blueprint.yaml": "restoreSnapshots",
    "elasticsearch-incremental-blueprint.yaml": "setupNodeKeyStore",
}
DENIED = (
    'admission webhook "blueprints.cr.kanister.io" denied the request: Invalid blueprint, '
    '{"message":"Failed to validate: Duplicated phase name is not allowed. '
    "Violating phase '%s'\"}"
)


@pytest.fixture(scope="module")
def wired(
    admission_cluster: Cluster, webhook_controller: WebhookController,
    first_pair: certificates.Pair,
) -> Cluster:
    """deploy/'s Service and ValidatingWebhookConfiguration, trusting the first CA."""
    objects = configuration(deploy_objects(), ca_bundle=first_pair.ca_cert,
                            webhook_port=webhook_controller.webhook_port,
                            engine=admission_cluster.engine)
    admission_cluster.kube.apply(objects)
    admission_cluster.kube.run("create", "namespace", "apps", check=False)
    return admission_cluster


def _apply(cluster: Cluster, path: Path | dict[str, Any], namespace: str = "apps") -> Any:
    document = yaml.safe_load(path.read_text()) if isinstance(path, Path) else path
    document["metadata"].pop("namespace", None)
    return cluster.kube.run("apply", "-n", namespace, "-f", "-",
                            stdin=yaml.safe_dump(document), check=False)


def _served_serial(port: int) -> int:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, context.wrap_socket(
        raw
    ) as tls:
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return int(x509.load_der_x509_certificate(der).serial_number)


def _serial(pem: bytes) -> int:
    return int(x509.load_pem_x509_certificate(pem).serial_number)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_kanisters_duplicate_phase_examples_are_refused(wired: Cluster, name: str) -> None:
    result = _apply(wired, FIXTURES / name)
    assert result.returncode != 0
    assert "Error from server (Forbidden)" in result.stderr
    assert DENIED % REFUSED[name] in result.stderr
    blueprint = yaml.safe_load((FIXTURES / name).read_text())["metadata"]["name"]
    missing = wired.kube.run("get", "blueprint", blueprint, "-n", "apps", check=False)
    assert "NotFound" in missing.stderr


def test_a_valid_blueprint_is_admitted_and_an_update_is_checked(wired: Cluster) -> None:
    path = ROOT / "examples" / "time-log" / "blueprint.yaml"
    result = _apply(wired, path)
    assert result.returncode == 0, result.stderr
    name = yaml.safe_load(path.read_text())["metadata"]["name"]
    # An UPDATE goes through the webhook too: a phase renamed to clash is refused.
    document = yaml.safe_load(path.read_text())
    actions = document["actions"]
    first, second = list(actions)[:2]
    actions[second]["phases"][0]["name"] = actions[first]["phases"][0]["name"]
    clash = _apply(wired, document)
    assert clash.returncode != 0
    assert "Duplicated phase name is not allowed" in clash.stderr
    stored = json.loads(wired.kube.run("get", "blueprint", name, "-n", "apps",
                                       "-o", "json").stdout)
    assert stored["actions"][second]["phases"][0]["name"] != actions[first]["phases"][0]["name"]


def test_unknown_function_gets_kanisters_wrapped_error(wired: Cluster) -> None:
    document = yaml.safe_load((ROOT / "examples" / "time-log" / "blueprint.yaml").read_text())
    document["metadata"]["name"] = "misspelt"
    action = next(iter(document["actions"]))
    document["actions"][action]["phases"][0]["func"] = "BackupDatta"
    result = _apply(wired, document)
    assert result.returncode != 0
    assert (
        f'Invalid blueprint, {{"message":"Failed to validate action {action}",'
        '"cause":{"message":"Requested function {BackupDatta} has not been registered"}}'
    ) in result.stderr


def test_certificate_rotation_keeps_the_webhook_answering(
    wired: Cluster, webhook_controller: WebhookController, first_pair: certificates.Pair,
) -> None:
    controller, pid = webhook_controller, webhook_controller.process.pid
    refused = FIXTURES / "rds-postgres-blueprint.yaml"
    assert _served_serial(controller.webhook_port) == _serial(first_pair.cert)

    # 1. A new CA: the caBundle first trusts both, then the Secret (the mounted files) changes.
    second = new_pair()
    objects = configuration(deploy_objects(), ca_bundle=first_pair.ca_cert + second.ca_cert,
                            webhook_port=controller.webhook_port, engine=wired.engine)
    wired.kube.apply(objects)
    controller.certs.write({"tls.crt": second.cert, "tls.key": second.key})
    wait_until(lambda: _served_serial(controller.webhook_port) == _serial(second.cert),
               what="the webhook to serve the new certificate")
    # 2. The old CA is dropped: only the new certificate can be trusted now.
    wired.kube.apply(configuration(deploy_objects(), ca_bundle=second.ca_cert,
                                   webhook_port=controller.webhook_port, engine=wired.engine))
    result = _apply(wired, refused)
    assert DENIED % "restoreSnapshots" in result.stderr
    admitted = _apply(wired, ROOT / "tests" / "fixtures" / "kanister" /
                      "kes-mysql-blueprint.yaml")
    assert admitted.returncode == 0, admitted.stderr

    # 3. A half-written pair (a key of another certificate) is not loaded; the last good one
    # keeps serving.
    third = new_pair()
    controller.certs.write({"tls.crt": third.cert, "tls.key": second.key})
    wait_until(lambda: "Serving the previous certificate" in controller.log.read_text(),
               what="the controller to refuse the mismatched pair")
    assert _served_serial(controller.webhook_port) == _serial(second.cert)
    assert _apply(wired, refused).returncode != 0

    assert controller.process.poll() is None and controller.process.pid == pid
    status, metrics = controller.get("/metrics")
    assert status == 200
    loads = re.search(r"^kes_webhook_certificate_loads_total (\S+)$", metrics, re.M)
    assert loads is not None and float(loads.group(1)) == 2.0
    assert re.search(r'^kes_webhook_reviews_total\{result="denied"\} [1-9]', metrics, re.M)
    assert controller.get("/readyz")[0] == 200
    logged = controller.log.read_text()
    assert "Blueprint webhook certificate reloaded" in logged
    assert "Serving the previous certificate" in logged


def test_an_admitted_blueprint_runs_and_the_json_log_says_what_the_run_does(
    wired: Cluster, webhook_controller: WebhookController,
) -> None:
    """`--log-json` lines of a run carry namespace, actionset, action and phase as fields."""
    wired.kube.apply([
        blueprint("bp-logged", "apps", {"backup": {"phases": [
            kubetask("first", "kando output a 1"), kubetask("second", "exit 3")]}}),
        actionset("logged", "apps", blueprint="bp-logged", actions=["backup"]),
    ])
    assert wired.kube.wait_actionset("logged", "apps")["status"]["state"] == "failed"

    def entries() -> list[dict[str, str]]:
        lines = webhook_controller.log.read_text().splitlines()
        found = [json.loads(line) for line in lines if line.startswith("{")]
        return [e for e in found if e.get("actionset") == "logged"]

    wait_until(lambda: any(e["message"].endswith("ended: failed.") for e in entries()),
               what="the run's last log line")
    found = entries()
    assert all(e["namespace"] == "apps" for e in found)
    messages = [(e.get("action"), e.get("phase"), e["message"]) for e in found
                if e["level"] == "info"]
    assert messages[0] == (None, None, "ActionSet apps/logged started: 1 action(s).")
    assert ("backup", "first", "Phase first started (KubeTask).") in messages
    assert ("backup", "first", "Phase first completed.") in messages
    assert ("backup", "second", "Phase second started (KubeTask).") in messages
    failed = [m for m in messages if m[2].startswith("Phase second failed:")]
    assert failed and failed[0][:2] == ("backup", "second")
    assert messages[-1] == (None, None, "ActionSet apps/logged ended: failed.")
