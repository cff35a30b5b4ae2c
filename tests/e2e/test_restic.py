"""The restic functions through the controller, with the real restic and moto S3.

The time-log Blueprint on an s3Compliant Profile (credentials in a keyPair Secret), CopyVolumeData
of a PVC, BackupDataAll/RestoreDataAll/DeleteDataAll over a two-replica StatefulSet, and bad
input that fails the ActionSet with what to fix. restic, run by the test, checks the repository.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from builders import API, blueprint
from e2e_harness import ROOT, ControllerProcess, Kube, wait_for
from restic_harness import direct_restic, repository_of, s3_profile, snapshots
from s3_harness import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server

pytestmark = [pytest.mark.timeout(300), pytest.mark.tools("restic")]

EXAMPLES = ROOT / "examples" / "time-log"
KEY = "e2e-restic-key-7a1c"
TOOLS = "ghcr.io/kanisterio/kanister-tools:0.119.0"
USE_KEY = "{{ .Secrets.restic.Data.password | toString }}"


def _secret(
    namespace: str, name: str, data: dict[str, str], kind: str = "Opaque"
) -> dict[str, Any]:
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": kind,
        "metadata": {"name": name, "namespace": namespace},
        "data": encoded,
    }


def _s3_documents(
    namespace: str,
    server: S3Server,
    bucket: str,
    *,
    id_field: str = "id",
    secret_field: str = "secret",
) -> list[dict[str, Any]]:
    """A keyPair s3Compliant Profile `s3` on moto, its Secret, and the restic key Secret."""
    return [
        _secret(namespace, "s3-creds", {"id": ACCESS_KEY_ID, "secret": SECRET_ACCESS_KEY}),
        _secret(namespace, "restic-key", {"password": KEY}),
        {
            "apiVersion": API,
            "kind": "Profile",
            "metadata": {"name": "s3", "namespace": namespace},
            "location": {
                "type": "s3Compliant",
                "bucket": bucket,
                "endpoint": server.endpoint,
                "region": REGION,
            },
            "credential": {
                "type": "keyPair",
                "keyPair": {
                    "idField": id_field,
                    "secretField": secret_field,
                    "secret": {"name": "s3-creds", "namespace": namespace},
                },
            },
        },
    ]


def _action_set(
    name: str, namespace: str, action: str, obj: dict[str, str], **fields: Any
) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "ActionSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "actions": [
                {
                    "name": action,
                    "blueprint": fields.pop("blueprint", "bp"),
                    "object": obj,
                    "profile": {"name": "s3", "namespace": namespace},
                    "secrets": {"restic": {"name": "restic-key", "namespace": namespace}},
                    **fields,
                }
            ]
        },
    }


def _run(kube: Kube, document: dict[str, Any], *, state: str = "complete") -> dict[str, Any]:
    kube.apply([document])
    meta = document["metadata"]
    done = kube.wait_actionset(meta["name"], meta["namespace"], timeout=180)
    assert done["status"]["state"] == state, done["status"].get("error")
    return done


def _exec(kube: Kube, namespace: str, pod: str, script: str) -> str:
    return kube.run("exec", "-n", namespace, pod, "--", "sh", "-c", script).stdout


def _running_pods(kube: Kube, namespace: str, selector: str) -> list[str]:
    return kube.run(
        "get",
        "pods",
        "-n",
        namespace,
        "-l",
        selector,
        "--field-selector=status.phase=Running",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ).stdout.split()


def _in_namespace(path: Path, namespace: str) -> list[dict[str, Any]]:
    """The example's namespaced documents, moved to `namespace`."""
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d and d["kind"] != "Namespace"]
    for document in documents:
        document["metadata"]["namespace"] = namespace
    return documents


def test_time_log_blueprint_on_s3_with_every_secret_masked(
    kube: Kube, controller: ControllerProcess, namespace: str, moto_s3: S3Server, tmp_path: Path
) -> None:
    bucket = moto_s3.bucket()
    app = _in_namespace(EXAMPLES / "app.yaml", namespace)
    [bp] = _in_namespace(EXAMPLES / "blueprint.yaml", namespace)
    bp["metadata"]["name"] = "bp"
    kube.apply([*app, bp, *_s3_documents(namespace, moto_s3, bucket)])
    kube.run("rollout", "status", "deployment/time-logger", "-n", namespace, "--timeout=60s")
    wait_for(lambda: _running_pods(kube, namespace, "app=time-logger"), what="the logger")
    [pod] = _running_pods(kube, namespace, "app=time-logger")
    wait_for(
        lambda: _exec(kube, namespace, pod, "cat /time-log/time.log").count("\n") >= 2,
        what="two lines in the log",
    )
    deployment = {"kind": "Deployment", "name": "time-logger", "namespace": namespace}
    backup = _run(kube, _action_set("backup", namespace, "backup", deployment))
    artifacts = backup["status"]["actions"][0]["artifacts"]
    key_value = artifacts["timeLog"]["keyValue"]
    assert key_value["path"] == f"{bucket}/time-log"
    repository = repository_of(s3_profile(moto_s3.endpoint, bucket), key_value["path"])
    backed_up = direct_restic(
        repository, KEY, "dump", key_value["backupID"], "/time-log/time.log"
    ).stdout

    _exec(kube, namespace, pod, "echo lost > /time-log/time.log")
    _run(kube, _action_set("restore", namespace, "restore", deployment, artifacts=artifacts))
    kube.run("rollout", "status", "deployment/time-logger", "-n", namespace, "--timeout=60s")
    [pod] = wait_for(lambda: _running_pods(kube, namespace, "app=time-logger"), what="logger")
    assert _exec(kube, namespace, pod, "cat /time-log/time.log").startswith(backed_up)

    _run(kube, _action_set("delete", namespace, "delete", deployment, artifacts=artifacts))
    assert snapshots(repository, KEY) == []

    everywhere = [
        kube.run("get", "actionsets", "-n", namespace, "-o", "json").stdout,
        kube.run("get", "events", "-n", namespace, "-o", "json").stdout,
        controller.log.read_text(),
        *(
            controller.history("actionset", name, "-n", namespace, "--json").stdout
            for name in ("backup", "restore", "delete")
        ),
    ]
    for text in everywhere:
        for secret in (KEY, SECRET_ACCESS_KEY):
            assert secret not in text


def test_copy_volume_data_of_a_pvc_then_restore_it(
    kube: Kube, controller: ControllerProcess, namespace: str, moto_s3: S3Server
) -> None:
    bucket = moto_s3.bucket()
    pvc = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "vol", "namespace": namespace},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    reader = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "reader", "namespace": namespace},
        "spec": {
            "containers": [
                {
                    "name": "r",
                    "image": "busybox",
                    "command": ["sleep", "3600"],
                    "volumeMounts": [{"name": "v", "mountPath": "/data"}],
                }
            ],
            "volumes": [{"name": "v", "persistentVolumeClaim": {"claimName": "vol"}}],
        },
    }
    actions = {
        "copy": {
            "outputArtifacts": {
                "copy": {
                    "keyValue": {
                        "id": "{{ .Phases.copy.Output.backupID }}",
                        "location": "{{ .Phases.copy.Output.backupArtifactLocation }}",
                        "root": "{{ .Phases.copy.Output.backupRoot }}",
                    }
                }
            },
            "phases": [
                {
                    "func": "CopyVolumeData",
                    "name": "copy",
                    "args": {
                        "namespace": "{{ .PVC.Namespace }}",
                        "volume": "{{ .PVC.Name }}",
                        "dataArtifactPrefix": "volumes/{{ .PVC.Name }}",
                        "encryptionKey": USE_KEY,
                    },
                }
            ],
        },
        "restore": {
            "phases": [
                {
                    "func": "RestoreData",
                    "name": "restore",
                    "args": {
                        "namespace": "{{ .PVC.Namespace }}",
                        "image": TOOLS,
                        "volumes": {"{{ .PVC.Name }}": "{{ .ArtifactsIn.copy.KeyValue.root }}"},
                        "backupArtifactPrefix": "{{ .ArtifactsIn.copy.KeyValue.location }}",
                        "backupIdentifier": "{{ .ArtifactsIn.copy.KeyValue.id }}",
                        "encryptionKey": USE_KEY,
                    },
                }
            ]
        },
    }
    kube.apply(
        [
            pvc,
            reader,
            blueprint("bp", namespace, actions),
            *_s3_documents(namespace, moto_s3, bucket),
        ]
    )
    wait_for(lambda: _running_pods(kube, namespace, ""), what="the reader pod")
    _exec(
        kube,
        namespace,
        "reader",
        "seq 1 20000 > /data/numbers; mkdir -p /data/d; echo nested > /data/d/file",
    )
    before = _exec(kube, namespace, "reader", "cd /data && find . -type f | sort | xargs md5sum")
    target = {"kind": "pvc", "name": "vol", "namespace": namespace}
    copied = _run(kube, _action_set("copy", namespace, "copy", target))
    output = copied["status"]["actions"][0]["phases"][0]["output"]
    assert output["backupRoot"] == "/mnt/vol_data/vol"
    assert output["backupArtifactLocation"] == f"{bucket}/volumes/vol"
    assert output["fileCount"] == "2"
    _exec(kube, namespace, "reader", "rm -rf /data/numbers /data/d")
    artifacts = copied["status"]["actions"][0]["artifacts"]
    _run(kube, _action_set("restore", namespace, "restore", target, artifacts=artifacts))
    after = _exec(kube, namespace, "reader", "cd /data && find . -type f | sort | xargs md5sum")
    assert after == before


def test_backup_data_all_and_restore_data_all_over_a_two_replica_statefulset(
    kube: Kube, controller: ControllerProcess, namespace: str, moto_s3: S3Server
) -> None:
    bucket = moto_s3.bucket()
    write_once = (
        '[ -f /data/id ] || echo "$POD_NAME $(od -An -N8 -tx8 /dev/urandom)" > /data/id;'
        " exec sleep 3600"
    )
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": namespace},
        "spec": {
            "replicas": 2,
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {
                    "containers": [
                        {
                            "name": "db",
                            "image": TOOLS,
                            "command": ["sh", "-c", write_once],
                            "env": [
                                {
                                    "name": "POD_NAME",
                                    "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}},
                                }
                            ],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                        }
                    ]
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    }
    actions = {
        "backup": {
            "outputArtifacts": {
                "all": {"keyValue": {"info": "{{ .Phases.backupAll.Output.BackupAllInfo }}"}}
            },
            "phases": [
                {
                    "func": "BackupDataAll",
                    "name": "backupAll",
                    "args": {
                        "namespace": "{{ .StatefulSet.Namespace }}",
                        "container": "db",
                        "includePath": "/data",
                        "backupArtifactPrefix": "sts",
                        "encryptionKey": USE_KEY,
                    },
                }
            ],
        },
        "restore": {
            "phases": [
                {"func": "ScaleWorkload", "name": "down", "args": {"replicas": 0}},
                {
                    "func": "RestoreDataAll",
                    "name": "restoreAll",
                    "args": {
                        "namespace": "{{ .StatefulSet.Namespace }}",
                        "image": TOOLS,
                        "backupArtifactPrefix": "sts",
                        "backupInfo": "{{ .ArtifactsIn.all.KeyValue.info }}",
                        "encryptionKey": USE_KEY,
                    },
                },
                {
                    "func": "ScaleWorkload",
                    "name": "up",
                    "args": {"replicas": "{{ .Phases.down.Output.originalReplicaCount }}"},
                },
            ]
        },
        "delete": {
            "phases": [
                {
                    "func": "DeleteDataAll",
                    "name": "deleteAll",
                    "args": {
                        "namespace": "{{ .StatefulSet.Namespace }}",
                        "image": TOOLS,
                        "backupArtifactPrefix": "sts",
                        "backupInfo": "{{ .ArtifactsIn.all.KeyValue.info }}",
                        "encryptionKey": USE_KEY,
                        "reclaimSpace": True,
                    },
                }
            ]
        },
    }
    kube.apply(
        [sts, blueprint("bp", namespace, actions), *_s3_documents(namespace, moto_s3, bucket)]
    )
    kube.run("rollout", "status", "statefulset/db", "-n", namespace, "--timeout=90s")
    names = ["db-0", "db-1"]
    wait_for(
        lambda: all(_exec(kube, namespace, p, "cat /data/id 2>/dev/null") for p in names),
        what="both replicas to write their id",
    )
    ids = {p: _exec(kube, namespace, p, "cat /data/id") for p in names}
    assert ids["db-0"] != ids["db-1"] and ids["db-0"].startswith("db-0 ")

    target = {"kind": "StatefulSet", "name": "db", "namespace": namespace}
    backup = _run(kube, _action_set("backup", namespace, "backup", target))
    info = json.loads(backup["status"]["actions"][0]["phases"][0]["output"]["BackupAllInfo"])
    assert sorted(info) == names
    assert all(info[p]["PodName"] == p and len(info[p]["BackupID"]) == 8 for p in names)
    repositories = {
        p: repository_of(s3_profile(moto_s3.endpoint, bucket), f"sts/{p}") for p in names
    }
    for pod in names:
        [snap] = snapshots(repositories[pod], KEY)
        assert snap["short_id"] == info[pod]["BackupID"]
        assert snap["tags"] == [info[pod]["BackupTag"]]

    for pod in names:
        _exec(kube, namespace, pod, "rm /data/id")
    artifacts = backup["status"]["actions"][0]["artifacts"]
    _run(kube, _action_set("restore", namespace, "restore", target, artifacts=artifacts))
    kube.run("rollout", "status", "statefulset/db", "-n", namespace, "--timeout=90s")
    wait_for(
        lambda: sorted(_running_pods(kube, namespace, "app=db")) == names, what="both replicas back"
    )
    assert {p: _exec(kube, namespace, p, "cat /data/id") for p in names} == ids

    deleted = _run(kube, _action_set("delete", namespace, "delete", target, artifacts=artifacts))
    assert deleted["status"]["actions"][0]["phases"][0]["output"]["spaceFreed"] != "0 B"
    for pod in names:
        assert snapshots(repositories[pod], KEY) == []


def _failed_message(kube: Kube, document: dict[str, Any]) -> tuple[str, list[tuple[str, str]]]:
    done = _run(kube, document, state="failed")
    phases = [(p["name"], p["state"]) for p in done["status"]["actions"][0]["phases"]]
    return str(done["status"]["error"]["message"]), phases


def test_bad_input_fails_the_action_set_with_what_to_fix(
    kube: Kube, controller: ControllerProcess, namespace: str, moto_s3: S3Server
) -> None:
    bucket = moto_s3.bucket()
    literal = f"literal-wrong-key-{uuid.uuid4().hex[:6]}"
    app = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {"containers": [{"name": "app", "image": TOOLS, "command": ["sleep", "3600"]}]},
    }

    def backup_phase(**extra: Any) -> dict[str, Any]:
        return {
            "func": "BackupData",
            "name": "backup",
            "args": {
                "namespace": namespace,
                "pod": "app",
                "container": "app",
                "includePath": "/etc/hostname",
                "backupArtifactPrefix": "bad",
                **extra,
            },
        }

    actions = {
        "good": {"phases": [backup_phase(encryptionKey=USE_KEY)]},
        "wrongKey": {"phases": [backup_phase(encryptionKey=literal)]},
        "noKey": {"phases": [backup_phase()]},
    }
    kube.apply(
        [app, blueprint("bp", namespace, actions), *_s3_documents(namespace, moto_s3, bucket)]
    )
    wait_for(lambda: _running_pods(kube, namespace, ""), what="the app pod")
    ns = {"kind": "Namespace", "name": namespace, "namespace": namespace}
    _run(kube, _action_set("good", namespace, "good", ns))

    message, phases = _failed_message(kube, _action_set("wrong-key", namespace, "wrongKey", ns))
    assert message.startswith(
        "Failed to backup data: Wrong encryption key for the restic "
        f"repository s3:{moto_s3.endpoint}/{bucket}/bad"
    )
    assert phases == [("backup", "failed")]
    message, _ = _failed_message(kube, _action_set("no-key", namespace, "noKey", ns))
    assert message.startswith("BackupData needs the argument encryptionKey")
    repository = repository_of(s3_profile(moto_s3.endpoint, bucket), "bad")
    assert len(snapshots(repository, KEY)) == 1  # only the good one

    # A keyPair Profile whose Secret lacks the secret key.
    kube.apply(
        [
            {
                "apiVersion": API,
                "kind": "Profile",
                "metadata": {"name": "broken", "namespace": namespace},
                "location": {
                    "type": "s3Compliant",
                    "bucket": bucket,
                    "endpoint": moto_s3.endpoint,
                    "region": REGION,
                },
                "credential": {
                    "type": "keyPair",
                    "keyPair": {
                        "idField": "id",
                        "secretField": "missing",
                        "secret": {"name": "s3-creds", "namespace": namespace},
                    },
                },
            }
        ]
    )
    broken = _action_set("broken-profile", namespace, "good", ns)
    broken["spec"]["actions"][0]["profile"]["name"] = "broken"
    message, _ = _failed_message(kube, broken)
    assert f"Value 'missing' not found in secret '{namespace}:s3-creds'" in message

    for name in ("wrong-key", "no-key", "broken-profile"):
        history = controller.history("actionset", name, "-n", namespace, "--json").stdout
        assert literal not in history and KEY not in history and SECRET_ACCESS_KEY not in history
    status = kube.run("get", "actionsets", "-n", namespace, "-o", "json").stdout
    assert literal not in status and literal not in controller.log.read_text()
