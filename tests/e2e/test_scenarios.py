"""Three flows modelled on public Kanister blueprints, through the controller, plus failures.

- sidecar-exec backup (mongo-sidecar style): KubeExec into a sidecar container, credentials from
  the phase's `objects` Secret, output artifact rendered from the phase output;
- custom-resource flow (k8ssandra style): KubeOps create → Wait on its status (the test plays
  the operator) → KubeOps delete in the deferPhase;
- start-stop (postgres start-stop style): KubeOps create pod → WaitV2 ContainersReady →
  KubeExec into it → ScaleWorkload the app to 0.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from builders import API, blueprint, phase_states
from e2e_harness import ControllerProcess, Kube, wait_for

pytestmark = pytest.mark.timeout(300)

PASSWORD = "s3cr3t-sidecar-pw"
CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "backupjobs.scenario.kes.io"},
    "spec": {
        "group": "scenario.kes.io",
        "scope": "Namespaced",
        "names": {"plural": "backupjobs", "singular": "backupjob", "kind": "BackupJob"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "x-kubernetes-preserve-unknown-fields": True,
                    }
                },
            }
        ],
    },
}


def _deployment(namespace: str, containers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "app"}},
            "template": {
                "metadata": {"labels": {"app": "app"}},
                "spec": {"containers": containers},
            },
        },
    }


def _actionset(name: str, namespace: str, *, kind: str = "Deployment") -> dict[str, Any]:
    target = "app" if kind == "Deployment" else namespace
    return {
        "apiVersion": API,
        "kind": "ActionSet",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "actions": [
                {
                    "name": "run",
                    "blueprint": "bp",
                    "object": {"kind": kind, "name": target, "namespace": namespace},
                }
            ]
        },
    }


def _phase_error(obj: dict[str, Any]) -> str:
    return str(((obj.get("status") or {}).get("error") or {}).get("message", ""))


def test_sidecar_exec_backup_with_a_phase_secret(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db-creds", "namespace": namespace},
                "stringData": {"password": PASSWORD},
            },
            _deployment(
                namespace,
                [
                    {"name": "db", "image": "busybox", "command": ["sleep", "3600"]},
                    {"name": "kanister-sidecar", "image": "busybox", "command": ["sleep", "3600"]},
                ],
            ),
        ]
    )
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=60s")
    script = (
        'if [ "$PW" != "' + PASSWORD + '" ]; then echo bad password >&2; exit 3; fi; '
        'echo "dumping in $(hostname)"; '
        'kando output path "backups/{{ .Deployment.Name }}/dump-$(echo dump | wc -c)"'
    )
    phase = {
        "func": "KubeExec",
        "name": "backup",
        "objects": {
            "dbsecret": {
                "kind": "Secret",
                "name": "db-creds",
                "namespace": "{{ .Deployment.Namespace }}",
            }
        },
        "args": {
            "namespace": "{{ .Deployment.Namespace }}",
            "pod": "{{ index .Deployment.Pods 0 }}",
            "container": "kanister-sidecar",
            "command": [
                "sh",
                "-c",
                'PW="{{ .Phases.backup.Secrets.dbsecret.Data.password | toString }}"; ' + script,
            ],
        },
    }
    action = {
        "outputArtifacts": {"dump": {"keyValue": {"path": "{{ .Phases.backup.Output.path }}"}}},
        "phases": [phase],
    }
    kube.apply([blueprint("bp", namespace, {"run": action}), _actionset("as-sidecar", namespace)])
    obj = kube.wait_actionset("as-sidecar", namespace)
    assert obj["status"]["state"] == "complete", _phase_error(obj)
    assert obj["status"]["actions"][0]["artifacts"] == {
        "dump": {"keyValue": {"path": "backups/app/dump-5"}}
    }
    assert PASSWORD not in json.dumps(obj["status"])


def test_custom_resource_create_wait_and_deferred_delete(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([CRD])
    wait_for(
        lambda: kube.run("get", "backupjobs", "-n", namespace, check=False).returncode == 0,
        what="the BackupJob CRD to be served",
    )
    # deploy/'s RBAC grants no KubeOps on other kinds: the operator grants what the Blueprint
    # does, here in its namespace (docs/deploy.md); without it, a real API server refuses.
    kube.apply(_grant(namespace, group="scenario.kes.io", resource="backupjobs",
                      verbs=["create", "get", "delete"]))
    job = {
        "apiVersion": "scenario.kes.io/v1",
        "kind": "BackupJob",
        "metadata": {"name": "job-{{ .Namespace.Name }}"},
        "spec": {"target": "{{ .Namespace.Name }}"},
    }
    ref = {
        "apiVersion": "v1",
        "group": "scenario.kes.io",
        "resource": "backupjobs",
        "name": "{{ .Phases.createJob.Output.name }}",
        "namespace": "{{ .Phases.createJob.Output.namespace }}",
    }
    phases = [
        {
            "func": "KubeOps",
            "name": "createJob",
            "args": {
                "operation": "create",
                "namespace": "{{ .Namespace.Name }}",
                "spec": yaml.safe_dump(job),
            },
        },
        {
            "func": "Wait",
            "name": "waitJob",
            "args": {
                "timeout": "60s",
                "conditions": {
                    "anyOf": [
                        {
                            "objectReference": ref,
                            "condition": '{{ if eq "{$.status.phase}" "Done" }}true{{ end }}',
                        }
                    ]
                },
            },
        },
    ]
    defer = {
        "func": "KubeOps",
        "name": "deleteJob",
        "args": {"operation": "delete", "objectReference": ref},
    }
    action = {"phases": phases, "deferPhase": defer}
    kube.apply(
        [
            blueprint("bp", namespace, {"run": action}),
            _actionset("as-cr", namespace, kind="Namespace"),
        ]
    )
    name = f"job-{namespace}"
    # The test plays the operator: once the job exists, it reports it done.
    wait_for(lambda: kube.get("backupjob", name, namespace), what="the BackupJob to be created")
    kube.run(
        "patch", "backupjob", name, "-n", namespace, "--subresource=status", "--type=merge",
        "-p", '{"status": {"phase": "Done"}}',
    )  # fmt: skip
    obj = kube.wait_actionset("as-cr", namespace)
    assert obj["status"]["state"] == "complete", _phase_error(obj)
    assert phase_states(obj) == [("createJob", "complete"), ("waitJob", "complete")]
    created = obj["status"]["actions"][0]["phases"][0]["output"]
    assert created == {
        "apiVersion": "v1", "group": "scenario.kes.io", "resource": "backupjobs", "kind": "",
        "name": name, "namespace": namespace,
    }  # fmt: skip
    assert kube.get("backupjob", name, namespace) is None


def _grant(namespace: str, *, group: str, resource: str, verbs: list[str]) -> list[dict[str, Any]]:
    """A Role and RoleBinding giving the controller's ServiceAccount `verbs` on `resource`."""
    name = f"kes-controller-{resource}"
    return [
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": name, "namespace": namespace},
         "rules": [{"apiGroups": [group], "resources": [resource], "verbs": verbs}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": name, "namespace": namespace},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
         "subjects": [{"kind": "ServiceAccount", "name": "kes-controller", "namespace": "kes"}]},
    ]


def _pod_manifest(command: str, *, init_command: str | None = None) -> str:
    spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [{"name": "helper", "image": "busybox", "command": ["sh", "-c", command]}],
    }
    if init_command is not None:
        spec["initContainers"] = [
            {"name": "init", "image": "busybox", "command": ["sh", "-c", init_command]}
        ]
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"generateName": "helper-", "labels": {"role": "helper"}},
            "spec": spec,
        }
    )


_READY = (
    "{{ range .status.conditions }}"
    '{{ if and (eq .type "ContainersReady") (eq .status "True") }}true{{ end }}'
    "{{ end }}"
)


def _start_stop_phases(
    helper_command: str, timeout: str, *, init_command: str | None = None
) -> list[dict[str, Any]]:
    pod_ref = {
        "apiVersion": "v1",
        "resource": "pods",
        "name": "{{ .Phases.startHelper.Output.name }}",
        "namespace": "{{ .Deployment.Namespace }}",
    }
    return [
        {
            "func": "KubeOps",
            "name": "startHelper",
            "args": {
                "operation": "create",
                "namespace": "{{ .Deployment.Namespace }}",
                "spec": _pod_manifest(helper_command, init_command=init_command),
            },
        },
        {
            "func": "WaitV2",
            "name": "helperReady",
            "args": {
                "timeout": timeout,
                "conditions": {"anyOf": [{"objectReference": pod_ref, "condition": _READY}]},
            },
        },
        {
            "func": "KubeExec",
            "name": "quiesce",
            "args": {
                "namespace": "{{ .Deployment.Namespace }}",
                "pod": "{{ .Phases.startHelper.Output.name }}",
                "command": ["sh", "-c", "kando output quiesced yes"],
            },
        },
        {"func": "ScaleWorkload", "name": "stopApp", "args": {"replicas": 0}},
    ]


def test_start_stop_flow(kube: Kube, controller: ControllerProcess, namespace: str) -> None:
    kube.apply([_deployment(namespace, [{"name": "app", "image": "busybox"}])])
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=60s")
    phases = _start_stop_phases("sleep 3600", "60s")
    kube.apply([blueprint("bp", namespace, {"run": {"phases": phases}}),
                _actionset("as-startstop", namespace)])  # fmt: skip
    obj = kube.wait_actionset("as-startstop", namespace)
    assert obj["status"]["state"] == "complete", _phase_error(obj)
    outputs = [p.get("output") for p in obj["status"]["actions"][0]["phases"]]
    assert outputs[0]["name"].startswith("helper-")
    assert outputs[2] == {"quiesced": "yes"}
    assert outputs[3] == {"originalReplicaCount": 1}
    deployment = kube.get("deployment", "app", namespace) or {}
    assert deployment["spec"]["replicas"] == 0


def test_a_helper_pod_that_never_becomes_ready_fails_the_wait(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([_deployment(namespace, [{"name": "app", "image": "busybox"}])])
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=60s")
    # Its init container never ends, so it is never ready (a container that exits at once
    # may be seen ready for a moment, as on a real cluster).
    phases = _start_stop_phases("sleep 3600", "2s", init_command="sleep 3600")
    kube.apply([blueprint("bp", namespace, {"run": {"phases": phases}}),
                _actionset("as-notready", namespace)])  # fmt: skip
    obj = kube.wait_actionset("as-notready", namespace)
    assert obj["status"]["state"] == "failed"
    assert _phase_error(obj) == (
        "Failed to wait for the condition to be met: context deadline exceeded"
    )
    assert [s for _, s in phase_states(obj)] == ["complete", "failed", "pending", "pending"]
    assert (kube.get("deployment", "app", namespace) or {})["spec"]["replicas"] == 1


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        (
            {"func": "KubeOps", "name": "p", "args": {"operation": "delete", "objectReference": {
                "apiVersion": "v1", "resource": "configmaps", "name": "absent",
                "namespace": "{{ .Namespace.Name }}"}}},
            'configmaps "absent" not found',
        ),
        (
            {"func": "Wait", "name": "p", "args": {"timeout": "1s", "conditions": {"allOf": [{
                "objectReference": {"apiVersion": "v1", "resource": "namespaces",
                                    "name": "{{ .Namespace.Name }}"},
                "condition": '{{ if eq "{$.status.phase}" "Terminating" }}true{{ end }}'}]}}},
            "Failed to wait for the condition to be met: context deadline exceeded",
        ),
        (
            {"func": "Wait", "name": "p", "args": {"timeout": "1s", "conditions": {"anyOf": [{
                "objectReference": {"apiVersion": "v1", "resource": "namespaces",
                                    "name": "{{ .Namespace.Name }}"},
                "condition": '{{ if eq "{$.status.nothing}" "x" }}true{{ end }}'}]}}},
            'error executing jsonpath "{.status.nothing}": Error executing template: nothing is '
            "not found.: Failed to wait for the condition to be met: context deadline exceeded",
        ),
    ],
    ids=["object-not-found", "wait-timeout", "bad-jsonpath"],
)  # fmt: skip
def test_failure_paths(
    kube: Kube, controller: ControllerProcess, namespace: str, phase: dict[str, Any],
    message: str, request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    name = f"as-{request.node.callspec.id}"
    # KubeOps deletes a ConfigMap: the operator's grant (without it: "forbidden").
    kube.apply(_grant(namespace, group="", resource="configmaps", verbs=["delete"]))
    kube.apply([blueprint("bp", namespace, {"run": {"phases": [phase]}}),
                _actionset(name, namespace, kind="Namespace")])  # fmt: skip
    obj = kube.wait_actionset(name, namespace)
    assert obj["status"]["state"] == "failed"
    assert _phase_error(obj) == message


def test_multicontainerrun_and_preparedata_through_the_controller(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            {
                "apiVersion": "v1",
                "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data", "namespace": namespace},
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Mi"}},
                },
            },
            _deployment(
                namespace,
                [
                    {
                        "name": "app",
                        "image": "busybox",
                        "command": ["sleep", "3600"],
                    }
                ],
            ),
        ]
    )
    # The claim and its mount arrive together: an apiserver refuses a mount of no volume.
    patch = {"spec": {"template": {"spec": {
        "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
        "containers": [{"name": "app",
                        "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}}}}  # fmt: skip
    kube.run("patch", "deployment", "app", "-n", namespace, "--type=strategic",
             "-p", json.dumps(patch))  # fmt: skip
    kube.run("rollout", "status", "deployment/app", "-n", namespace, "--timeout=60s")
    phases = [
        {
            "func": "PrepareData",
            "name": "seed",
            "args": {
                "namespace": "{{ .Deployment.Namespace }}",
                "image": "busybox",
                # No `volumes`: every PVC of the Deployment at /mnt/prepare_data/<pvc>.
                "command": ["sh", "-c", "echo seeded > /mnt/prepare_data/data/marker; "
                            "kando output seeded yes"],
            },
        },
        {
            "func": "MultiContainerRun",
            "name": "pipe",
            "args": {
                "namespace": "{{ .Deployment.Namespace }}",
                "backgroundImage": "busybox",
                "backgroundCommand": ["sh", "-c", "echo {{ .Phases.seed.Output.seeded }} "
                                      "> /shared/f.tmp && mv /shared/f.tmp /shared/f"],
                "outputImage": "busybox",
                "outputCommand": ["sh", "-c", "while [ ! -f /shared/f ]; do sleep 0.05; done; "
                                  'kando output got "$(cat /shared/f)"'],
                "sharedVolumeDir": "/shared",
            },
        },
        {
            "func": "KubeExec",
            "name": "check",
            "args": {
                "namespace": "{{ .Deployment.Namespace }}",
                "pod": "{{ index .Deployment.Pods 0 }}",
                "command": ["sh", "-c", 'kando output marker "$(cat /data/marker)"'],
            },
        },
    ]  # fmt: skip
    kube.apply([blueprint("bp", namespace, {"run": {"phases": phases}}),
                _actionset("as-pods", namespace)])  # fmt: skip
    obj = kube.wait_actionset("as-pods", namespace)
    assert obj["status"]["state"] == "complete", _phase_error(obj)
    outputs = [p.get("output") for p in obj["status"]["actions"][0]["phases"]]
    assert outputs == [{"seeded": "yes"}, {"got": "yes"}, {"marker": "seeded"}]


def test_wait_is_run_again_after_a_controller_restart(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    gate = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"open": "no"},
            "metadata": {"name": "gate", "namespace": namespace}}  # fmt: skip
    kube.apply([gate, *_grant(namespace, group="", resource="configmaps", verbs=["delete"])])
    ref = {"apiVersion": "v1", "resource": "configmaps", "name": "gate",
           "namespace": "{{ .Namespace.Name }}"}  # fmt: skip
    phases = [
        {"func": "WaitV2", "name": "gate", "args": {"timeout": "120s", "conditions": {"anyOf": [
            {"objectReference": ref, "condition": '{{ if eq .data.open "yes" }}true{{ end }}'}]}}},
        {"func": "KubeOps", "name": "cleanup", "args": {"operation": "delete",
                                                        "objectReference": ref}},
    ]  # fmt: skip
    kube.apply([blueprint("bp", namespace, {"run": {"phases": phases}}),
                _actionset("as-restart", namespace, kind="Namespace")])  # fmt: skip

    def started() -> bool:
        lines = controller.history("actionset", "as-restart", "-n", namespace, "--json").stdout
        return any(json.loads(line)["type"] == "PhaseStarted" for line in lines.splitlines())

    wait_for(started, what="the Wait phase to start")
    controller.kill()
    kube.run("patch", "configmap", "gate", "-n", namespace, "--type=merge",
             "-p", '{"data": {"open": "yes"}}')  # fmt: skip
    controller.start()
    obj = kube.wait_actionset("as-restart", namespace)
    assert obj["status"]["state"] == "complete", _phase_error(obj)
    assert phase_states(obj) == [("gate", "complete"), ("cleanup", "complete")]
    assert kube.get("configmap", "gate", namespace) is None
    lines = controller.history("actionset", "as-restart", "-n", namespace, "--json").stdout
    types = [json.loads(line)["type"] for line in lines.splitlines()]
    assert types.count("PhaseStarted") == 3  # gate twice (before and after the restart), cleanup
    assert "PhaseInterrupted" in types
