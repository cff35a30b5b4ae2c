"""Secret values never reach the status, Kubernetes Events, the log or `kes history`."""

from __future__ import annotations

import base64
import json

import pytest
from builders import actionset, blueprint, kubetask
from e2e_harness import ControllerProcess, Kube

pytestmark = pytest.mark.timeout(300)

SECRET = "s3cr3t-Value-9f2c"
USE = "{{ .Secrets.creds.Data.password | toString }}"


def test_a_secret_used_in_args_and_outputs_is_masked_everywhere(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "creds", "namespace": namespace},
                "data": {"password": base64.b64encode(SECRET.encode()).decode()},
            },
            blueprint(
                "bp",
                namespace,
                {
                    "run": {
                        "phases": [
                            kubetask(
                                "leaky",
                                f'echo "pw={USE}"; kando output echoed "{USE}"; exit 1',
                            ),
                        ]
                    }
                },
            ),
            actionset(
                "as-secret",
                namespace,
                blueprint="bp",
                secrets={"creds": {"name": "creds", "namespace": namespace}},
            ),
        ]
    )
    obj = kube.wait_actionset("as-secret", namespace)
    assert obj["status"]["state"] == "failed"
    everywhere = [
        json.dumps(obj["status"]),
        kube.run("get", "events", "-n", namespace, "-o", "json").stdout,
        controller.history("actionset", "as-secret", "-n", namespace, "--json").stdout,
        controller.history("actionset", "as-secret", "-n", namespace).stdout,
        controller.log.read_text(),
    ]
    # The store itself, including what is still in SQLite's write-ahead log.
    for path in controller.store.parent.glob(controller.store.name + "*"):
        everywhere.append(path.read_bytes().decode("latin-1"))
    encoded = base64.b64encode(SECRET.encode()).decode()
    for text in everywhere:
        assert SECRET not in text
        assert encoded not in text
    assert "***" in controller.history("actionset", "as-secret", "-n", namespace, "--json").stdout
