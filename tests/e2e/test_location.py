"""`kando location` from Blueprints, as Kanister's database examples use it, through the controller.

A real ActionSet renders `{{ toJson .Profile }}` into a KubeTask's command; kando, inside the pod
(a process of the local cluster), pushes the stream the pod's command produces to moto; a
restore pulls it back through `--from`; a delete action removes it with `kando location delete`
and with LocationDelete. Credentials are looked for in the status, Events, `kes history` and
the controller's log.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from builders import API, actionset, blueprint, phase_states
from e2e_harness import ControllerProcess, Kube
from s3_harness import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server

pytestmark = pytest.mark.timeout(300)

PUSH = (
    "s3_path=\"/dumps/{{ .Namespace.Name }}-dump.gz\"; "
    "printf 'row-1\\nrow-2\\n' | gzip | "
    "kando location push --profile '{{ toJson .Profile }}' --path \"${s3_path}\" -; "
    "kando output s3path \"${s3_path}\""
)
PULL = (
    "kando location pull --profile '{{ toJson .Profile }}' "
    "--path '{{ .ArtifactsIn.dump.KeyValue.path }}' - | gunzip | grep -q row-2"
)
DELETE = (
    "kando location delete --profile '{{ toJson .Profile }}' "
    "--path '{{ .ArtifactsIn.dump.KeyValue.path }}'"
)


def kubetask(name: str, script: str) -> dict[str, Any]:
    """A KubeTask as Kanister's database Blueprints write it (bash with errexit and pipefail)."""
    return {"func": "KubeTask", "name": name, "args": {
        "namespace": "{{ .Namespace.Name }}", "image": "ghcr.io/kanisterio/kanister-tools:0.119.0",
        "command": ["bash", "-o", "errexit", "-o", "pipefail", "-c", script]}}


def profile_documents(namespace: str, endpoint: str, bucket: str,
                      *, secret_data: dict[str, str] | None = None) -> list[dict[str, Any]]:
    data = secret_data or {"aws_access_key_id": ACCESS_KEY_ID,
                           "aws_secret_access_key": SECRET_ACCESS_KEY}
    return [
        {"apiVersion": "v1", "kind": "Secret",
         "metadata": {"name": "s3-creds", "namespace": namespace},
         "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}},
        {"apiVersion": API, "kind": "Profile",
         "metadata": {"name": "s3", "namespace": namespace},
         "location": {"type": "s3Compliant", "bucket": bucket, "endpoint": endpoint,
                      "prefix": "kes", "region": REGION},
         "credential": {"type": "keyPair", "keyPair": {
             "idField": "aws_access_key_id", "secretField": "aws_secret_access_key",
             "secret": {"name": "s3-creds", "namespace": namespace}}}},
    ]


def database_blueprint(namespace: str) -> dict[str, Any]:
    return blueprint("db-bp", namespace, {
        "backup": {
            "outputArtifacts": {"dump": {"keyValue": {
                "path": "{{ .Phases.dumpToObjectStore.Output.s3path }}"}}},
            "phases": [kubetask("dumpToObjectStore", PUSH)],
        },
        "restore": {"inputArtifactNames": ["dump"],
                    "phases": [kubetask("restoreFromObjectStore", PULL)]},
        "delete": {"inputArtifactNames": ["dump"],
                   "phases": [kubetask("deleteFromObjectStore", DELETE)]},
        "locationdelete": {"inputArtifactNames": ["dump"], "phases": [{
            "func": "LocationDelete", "name": "deleteArtifact",
            "args": {"artifact": "{{ .ArtifactsIn.dump.KeyValue.path }}"}}]},
    })


def keys(moto_s3: S3Server, bucket: str) -> list[str]:
    listed = moto_s3.client().list_objects_v2(Bucket=bucket)
    return sorted(o["Key"] for o in listed.get("Contents") or [])


def run(kube: Kube, namespace: str, name: str, action: str, **fields: Any) -> dict[str, Any]:
    spec = actionset(name, namespace, blueprint="db-bp", actions=[action],
                     profile={"name": "s3", "namespace": namespace}, **fields)
    kube.apply([spec])
    return kube.wait_actionset(name, namespace, timeout=120)


def leaks(kube: Kube, controller: ControllerProcess, namespace: str, names: list[str]) -> list[str]:
    texts = [kube.run("get", "actionsets", "-n", namespace, "-o", "json").stdout,
             kube.run("get", "events", "-n", namespace, "-o", "json").stdout,
             controller.log.read_text()]
    for name in names:
        texts.append(controller.history("actionset", name, "-n", namespace, "--json").stdout)
    return [s for s in (SECRET_ACCESS_KEY, ACCESS_KEY_ID) if any(s in t for t in texts)]


def test_backup_restore_delete_through_kando_and_location_delete(
    kube: Kube, controller: ControllerProcess, namespace: str, moto_s3: S3Server
) -> None:
    bucket = moto_s3.bucket()
    kube.apply([*profile_documents(namespace, moto_s3.endpoint, bucket),
                database_blueprint(namespace)])
    backup = run(kube, namespace, "backup", "backup")
    assert backup["status"]["state"] == "complete", backup["status"]
    path = f"/dumps/{namespace}-dump.gz"
    assert backup["status"]["actions"][0]["artifacts"]["dump"]["keyValue"]["path"] == path
    assert keys(moto_s3, bucket) == [f"kes{path}"]

    restore = run(kube, namespace, "restore", "restore",
                  artifacts={"dump": {"keyValue": {"path": path}}})
    assert restore["status"]["state"] == "complete", restore["status"]

    delete = run(kube, namespace, "delete", "delete",
                 artifacts={"dump": {"keyValue": {"path": path}}})
    assert delete["status"]["state"] == "complete", delete["status"]
    assert keys(moto_s3, bucket) == []

    # LocationDelete, from the controller, with the bucket name leading the artifact.
    run(kube, namespace, "backup-2", "backup")
    assert keys(moto_s3, bucket) == [f"kes{path}"]
    gone = run(kube, namespace, "locdel", "locationdelete",
               artifacts={"dump": {"keyValue": {"path": f"{bucket}{path}"}}})
    assert gone["status"]["state"] == "complete", gone["status"]
    assert keys(moto_s3, bucket) == []

    assert leaks(kube, controller, namespace,
                 ["backup", "restore", "delete", "backup-2", "locdel"]) == []


def _error(obj: dict[str, Any]) -> str:
    return json.dumps(obj["status"].get("error", {})) + json.dumps(obj["status"])


def test_bad_input_fails_the_phase_with_an_actionable_message(
    kube: Kube, controller: ControllerProcess, namespace: str, moto_s3: S3Server
) -> None:
    kube.apply([*profile_documents(namespace, moto_s3.endpoint, "kes-no-such-bucket"),
                database_blueprint(namespace)])
    missing = run(kube, namespace, "nobucket", "backup")
    assert missing["status"]["state"] == "failed"
    assert phase_states(missing) == [("dumpToObjectStore", "failed")]
    assert "NoSuchBucket" in _error(missing) and "Create the bucket" in _error(missing)
    assert missing["status"]["actions"][0]["artifacts"]["dump"]["keyValue"]["path"] == (
        "{{ .Phases.dumpToObjectStore.Output.s3path }}")

    # A Profile whose Secret lacks the secret key: the ActionSet fails before any phase runs.
    kube.apply(profile_documents(namespace, moto_s3.endpoint, moto_s3.bucket(),
                                 secret_data={"aws_access_key_id": ACCESS_KEY_ID}))
    nokey = run(kube, namespace, "nokey", "backup")
    assert nokey["status"]["state"] == "failed"
    assert "Value 'aws_secret_access_key' not found in secret" in _error(nokey)

    # A dump failing halfway through the pipe: pipefail fails the phase, no artifact rendered.
    bucket = moto_s3.bucket()
    kube.apply([*profile_documents(namespace, moto_s3.endpoint, bucket), blueprint(
        "db-bp", namespace, {"backup": {
            "outputArtifacts": {"dump": {"keyValue": {"path": "{{ .Phases.dump.Output.p }}"}}},
            "phases": [kubetask("dump", (
                "(echo partial; echo 'dump: connection lost' >&2; exit 3) "
                "| gzip | kando location push --profile '{{ toJson .Profile }}' --path d - && "
                "kando output p d"))]}})])
    halfway = run(kube, namespace, "halfway", "backup")
    assert halfway["status"]["state"] == "failed"
    assert "dump: connection lost" in _error(halfway)
    # As in Kanister, an artifact that was never rendered shows its template.
    assert halfway["status"]["actions"][0]["artifacts"]["dump"]["keyValue"]["path"] == (
        "{{ .Phases.dump.Output.p }}")

    assert leaks(kube, controller, namespace, ["nobucket", "nokey", "halfway"]) == []
