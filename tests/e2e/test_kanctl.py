"""`kes actionset` against the devcluster: each create flag, verification, --from, cancel, describe.

Flags are checked on the ActionSet `--dry-run` prints (kanctl's YAML), and the real creates are
run by the session's controller.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from builders import actionset, blueprint, kubetask
from e2e_harness import ROOT, ControllerProcess, Kube, wait_for

pytestmark = pytest.mark.timeout(300)


def kes(
    kube: Kube, *args: str, store: Any = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    extra = ["--store", str(store)] if store is not None else []
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "kes.cli",
            "actionset",
            *args,
            "--kubeconfig",
            str(kube.kubeconfig),
            *extra,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, **env} if env else None,
    )


def dry_run(kube: Kube, namespace: str, *args: str) -> dict[str, Any]:
    result = kes(kube, "create", "-n", namespace, "--dry-run", "--skip-validation", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    document = yaml.safe_load(result.stdout)
    assert isinstance(document, dict)
    return document


def _actions(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["spec"]["actions"])


def _objects(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (a["object"]["kind"], a["object"]["namespace"], a["object"]["name"]) for a in _actions(doc)
    ]


BASE = ("-a", "backup", "-b", "bp")
FLAG_CASES: list[tuple[tuple[str, ...], Callable[[dict[str, Any], str], bool]]] = [
    (
        ("-d", "n1/web,n2/api"),
        lambda d, _: _objects(d) == [("deployment", "n1", "web"), ("deployment", "n2", "api")],
    ),
    (("--statefulset", "n1/db"), lambda d, _: _objects(d) == [("statefulset", "n1", "db")]),
    (("-v", "n1/data"), lambda d, _: _objects(d) == [("pvc", "n1", "data")]),
    (("-D", "n1/dc"), lambda d, _: _objects(d) == [("deploymentconfig", "n1", "dc")]),
    (
        ("-T", "prod,dev"),
        lambda d, _: _objects(d) == [("namespace", "prod", "prod"), ("namespace", "dev", "dev")],
    ),
    (
        ("-O", "stable.example.com/v1/crontabs/n1/tab"),
        lambda d, _: (
            _actions(d)[0]["object"]
            == {
                "apiVersion": "v1",
                "group": "stable.example.com/",
                "resource": "crontabs",
                "kind": "",
                "namespace": "n1",
                "name": "tab",
            }
        ),
    ),
    (
        ("-T", "n1", "-p", "s3"),
        lambda d, ns: (
            _actions(d)[0]["profile"]["namespace"] == ns
            and _actions(d)[0]["profile"]["name"] == "s3"
        ),
    ),
    (
        ("-T", "n1", "--profile", "kanister/s3"),
        lambda d, _: (
            (_actions(d)[0]["profile"]["namespace"], _actions(d)[0]["profile"]["name"])
            == ("kanister", "s3")
        ),
    ),
    (
        ("-T", "n1", "-s", "creds=n1/sec,tls=n2/cert"),
        lambda d, _: (
            {k: (v["namespace"], v["name"]) for k, v in _actions(d)[0]["secrets"].items()}
            == {"creds": ("n1", "sec"), "tls": ("n2", "cert")}
        ),
    ),
    (
        ("-T", "n1", "--config-maps", "cfg=n1/cm"),
        lambda d, _: _actions(d)[0]["configMaps"]["cfg"]["name"] == "cm",
    ),
    (
        ("-T", "n1", "-o", "a=1,b=2", "-o", "c=3"),
        lambda d, _: _actions(d)[0]["options"] == {"a": "1", "b": "2", "c": "3"},
    ),
    (("-T", "n1", "-A", "my-set"), lambda d, _: d["metadata"]["name"] == "my-set"),
    (
        (
            "-T",
            "n1",
        ),
        lambda d, _: (
            re.fullmatch(r"backup-[bcdfghjklmnpqrstvwxz2456789]{5}", d["metadata"]["name"])
            is not None
        ),
    ),
    (
        ("-T", "n1", "--labels", "team=db, tier = gold"),
        lambda d, _: d["metadata"]["labels"] == {"team": "db", "tier": "gold"},
    ),
    (
        ("-T", "n1", "--podlabels", "app=x,tier=y"),
        lambda d, _: _actions(d)[0]["podLabels"] == {"app": "x", "tier": "y"},
    ),
    (
        ("-T", "n1", "--podannotations", "note=any value"),
        lambda d, _: _actions(d)[0]["podAnnotations"] == {"note": "any value"},
    ),
    (
        ("-T", "n1", "-r", "kanister/repo"),
        lambda d, _: _actions(d)[0]["repositoryServer"]["name"] == "repo",
    ),
]


@pytest.mark.parametrize(("flags", "check"), FLAG_CASES, ids=[" ".join(c[0]) for c in FLAG_CASES])
def test_each_create_flag_shapes_the_actionset(
    kube: Kube,
    namespace: str,
    flags: tuple[str, ...],
    check: Callable[[dict[str, Any], str], bool],
) -> None:
    doc = dry_run(kube, namespace, *BASE, *flags)
    assert doc["apiVersion"] == "cr.kanister.io/v1alpha1" and doc["kind"] == "ActionSet"
    assert doc["metadata"]["namespace"] == namespace
    assert all(a["name"] == "backup" and a["blueprint"] == "bp" for a in _actions(doc))
    assert check(doc, namespace), yaml.safe_dump(doc)


def test_dry_run_warns_about_a_missing_profile_on_stderr_only(kube: Kube, namespace: str) -> None:
    result = kes(
        kube, "create", "-n", namespace, "--dry-run", "--skip-validation", *BASE, "-T", namespace
    )
    assert "Warning: Neither --profile nor --repository-server flag is provided." in result.stderr
    assert "Warning" not in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("-b", "bp", "-T", "x"), "Error: action required to create new action set"),
        (("-a", "backup", "-T", "x"), "Error: blueprint required to create new action set"),
        (
            BASE,
            "Error: no objects found to perform action set. Please pass a valid parent "
            "action set and/or selector",
        ),
        (
            (*BASE, "-s", "oops"),
            "Error: failed to parse secrets: Expected ref=namespace/name. Got oops",
        ),
        (
            (*BASE, "-T", "x", "-o", "a=b=c"),
            "Error: Expected options as key=value pairs. Got a=b=c",
        ),
        (
            (*BASE, "-T", "x", "--labels", "nolabel"),
            "Error: invalid --labels value. make sure the value for field --labels is correct",
        ),
        (
            (*BASE, "-l", "app=x", "-k", "pod"),
            "Error: unsupported or unknown object kind 'pod'. Supported deployment, statefulset "
            "and pvc",
        ),
    ],
)
def test_bad_flags_give_kanctls_messages(
    kube: Kube, namespace: str, args: tuple[str, ...], message: str
) -> None:
    result = kes(kube, "create", "-n", namespace, "--dry-run", "--skip-validation", *args)
    assert result.returncode == 1
    assert message in result.stderr


def _workloads(namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    meta = {"namespace": namespace, "labels": labels}
    pod = {
        "metadata": {"labels": {"app": "x"}},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]},
    }
    selector = {"matchLabels": {"app": "x"}}
    return [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", **meta},
            "spec": {"replicas": 0, "selector": selector, "template": pod},
        },
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db", **meta},
            "spec": {"replicas": 0, "serviceName": "db", "selector": selector, "template": pod},
        },
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", **meta},
            "spec": {
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}},
            },
        },
    ]


def test_selector_lists_objects_by_kind_and_namespace(kube: Kube, namespace: str) -> None:
    kube.apply(_workloads(namespace, {"tier": "gold"}))
    kube.apply(
        [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "other", "namespace": namespace},
                "spec": {
                    "replicas": 0,
                    "selector": {"matchLabels": {"app": "x"}},
                    "template": _workloads(namespace, {})[0]["spec"]["template"],
                },
            }
        ]
    )
    every = dry_run(kube, namespace, *BASE, "-l", "tier=gold", "--selector-namespace", namespace)
    assert _objects(every) == [
        ("deployment", namespace, "web"),
        ("statefulset", namespace, "db"),
        ("pvc", namespace, "data"),
    ]
    only = dry_run(
        kube,
        namespace,
        *BASE,
        "-l",
        "tier=gold",
        "-k",
        "statefulset",
        "--selector-namespace",
        namespace,
    )
    assert _objects(only) == [("statefulset", namespace, "db")]
    # An object named by a flag and matched by the selector appears once.
    both = dry_run(
        kube,
        namespace,
        *BASE,
        "-d",
        f"{namespace}/web",
        "-l",
        "tier=gold",
        "-k",
        "deployment",
        "--selector-namespace",
        namespace,
    )
    assert _objects(both) == [("deployment", namespace, "web")]


def test_selector_on_namespaces(kube: Kube, namespace: str) -> None:
    kube.run("label", "namespace", namespace, f"kanctl-test={namespace}")
    doc = dry_run(kube, namespace, *BASE, "-l", f"kanctl-test={namespace}", "-k", "namespace")
    assert _objects(doc) == [("namespace", namespace, namespace)]


def test_selector_on_deploymentconfigs_outside_openshift_is_kanctls_error(
    kube: Kube, namespace: str
) -> None:
    result = kes(
        kube,
        "create",
        "-n",
        namespace,
        "--dry-run",
        "--skip-validation",
        *BASE,
        "-l",
        "app=x",
        "-k",
        "deploymentconfig",
        "--selector-namespace",
        namespace,
    )
    assert result.returncode == 1
    assert (
        f"Error: failed to get deploymentconfig using select 'app=x' in namespaces '{namespace}': "
    ) in result.stderr


def test_verification_names_every_missing_object(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    result = kes(
        kube,
        "create",
        "-n",
        namespace,
        *BASE,
        "-d",
        f"{namespace}/nope",
        "-p",
        "s3",
        "-s",
        f"creds={namespace}/nosecret",
        "-c",
        f"cfg={namespace}/nocm",
    )
    assert result.returncode == 1
    for kind, name, ns in (
        ("blueprint", "bp", namespace),
        ("profile", "s3", namespace),
        ("deployment", "nope", namespace),
        ("config map", "nocm", namespace),
        ("secret", "nosecret", namespace),
    ):
        assert f"Please make sure '{kind}' with name '{name}' exists in namespace '{ns}'" in (
            result.stdout
        ), result.stdout
    assert "Error: resource verification failed" in result.stderr
    assert kube.run("get", "actionsets", "-n", namespace, "-o", "name").stdout.strip() == ""


def _two_step_blueprint(namespace: str) -> dict[str, Any]:
    return blueprint(
        "bp",
        namespace,
        {
            "backup": {
                "outputArtifacts": {
                    "snap": {"keyValue": {"path": "{{ .Phases.save.Output.path }}"}}
                },
                "phases": [kubetask("save", "kando output path /backups/42")],
            },
            "restore": {
                "inputArtifactNames": ["snap"],
                "phases": [
                    kubetask("load", "kando output got {{ .ArtifactsIn.snap.KeyValue.path }}")
                ],
            },
            "broken": {"phases": [kubetask("fail", "echo about to fail; echo last words; exit 3")]},
        },
    )


def _created_name(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"^actionset (\S+) created$", result.stdout, re.MULTILINE)
    assert match, result.stdout
    return match[1]


def test_create_then_from_a_complete_parent_copies_its_artifacts(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([_two_step_blueprint(namespace)])
    parent = _created_name(
        kes(
            kube,
            "create",
            "-n",
            namespace,
            "-a",
            "backup",
            "-b",
            "bp",
            "-T",
            namespace,
            "-o",
            "keep=1",
        )
    )
    assert re.fullmatch(r"backup-[a-z0-9]{5}", parent)
    done = kube.wait_actionset(parent, namespace)
    assert done["status"]["state"] == "complete"

    child = _created_name(
        kes(kube, "create", "-n", namespace, "-a", "restore", "--from", parent, "-o", "extra=2")
    )
    assert child.startswith(f"restore-{parent}-")
    spec_action = kube.get("actionset", child, namespace)["spec"]["actions"][0]  # type: ignore[index]
    assert (
        spec_action["artifacts"]
        == done["status"]["actions"][0]["artifacts"]
        == {"snap": {"keyValue": {"path": "/backups/42"}}}
    )
    assert spec_action["options"] == {"keep": "1", "extra": "2"}
    assert spec_action["object"]["name"] == namespace
    finished = kube.wait_actionset(child, namespace)
    assert finished["status"]["state"] == "complete"
    assert finished["status"]["actions"][0]["phases"][0]["output"] == {"got": "/backups/42"}


def test_from_a_parent_that_did_not_complete_is_refused(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([_two_step_blueprint(namespace)])
    parent = _created_name(
        kes(
            kube,
            "create",
            "-n",
            namespace,
            "-a",
            "broken",
            "-b",
            "bp",
            "-T",
            namespace,
            "-A",
            "broken-parent",
        )
    )
    assert kube.wait_actionset(parent, namespace)["status"]["state"] == "failed"
    result = kes(kube, "create", "-n", namespace, "-a", "restore", "-f", parent)
    assert result.returncode == 1
    assert "Error: Request parent ActionSet broken-parent has not been executed" in result.stderr
    missing = kes(
        kube, "create", "-n", namespace, "-a", "restore", "-f", "ghost", "--skip-validation"
    )
    assert missing.returncode == 1 and '"ghost" not found' in missing.stderr


def test_describe_shows_status_events_and_the_failed_phases_log_tail(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply([_two_step_blueprint(namespace)])
    name = _created_name(
        kes(kube, "create", "-n", namespace, "-a", "broken", "-b", "bp", "-T", namespace)
    )
    kube.wait_actionset(name, namespace)
    wait_for(
        lambda: any(
            e["reason"].startswith("ActionSetFailed") for e in kube.events(namespace, name)
        ),
        what="the ActionSetFailed event",
    )
    result = kes(kube, "describe", name, "-n", namespace, store=controller.store)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^State:\s+failed$", out, re.MULTILINE), out
    assert re.search(r"^\s+fail\s+failed$", out, re.MULTILINE), out
    assert "ActionSetFailed Action: broken" in out and "Started Phase" in out
    assert "broken/fail" in out and "FAILED:" in out
    assert "| last words" in out and "| about to fail" in out
    no_log = kes(
        kube,
        "describe",
        name,
        "-n",
        namespace,
        env={"KES_STORE": str(ROOT / "no-such-dir" / "store.sqlite3")},
    )
    assert no_log.returncode == 0, no_log.stderr
    assert re.search(r"^State:\s+failed$", no_log.stdout, re.MULTILINE)
    assert "<no event log: set KES_STORE or pass --store>" in no_log.stdout
    unknown = kes(kube, "describe", "nothing-here", "-n", namespace, store=controller.store)
    assert unknown.returncode == 1
    assert 'actionsets.cr.kanister.io "nothing-here" not found' in unknown.stderr


def test_cancel_deletes_it_and_prints_the_defer_phase_the_controller_ran(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            blueprint(
                "slow",
                namespace,
                {
                    "run": {
                        "phases": [kubetask("wait", "sleep 600")],
                        "deferPhase": kubetask("tidy", "kando output tidied yes"),
                    }
                },
            ),
            actionset("to-cancel", namespace, blueprint="slow"),
        ]
    )
    wait_for(
        lambda: kube.actionset_state("to-cancel", namespace) == "running", what="the run to start"
    )
    result = kes(kube, "cancel", "to-cancel", "-n", namespace, store=controller.store)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("actionset to-cancel deleted\n")
    assert "CancelRequested" in result.stdout
    assert re.search(r"PhaseCompleted\s+run/tidy \(defer\)", result.stdout), result.stdout
    assert kube.get("actionset", "to-cancel", namespace) is None
    gone = kes(kube, "describe", "to-cancel", "-n", namespace, store=controller.store)
    assert gone.returncode == 0, gone.stderr
    assert "(the object is gone; status from the event log)" in gone.stdout
    assert re.search(r"^\s+tidy \(deferPhase\)\s+complete$", gone.stdout, re.MULTILINE), gone.stdout
    assert re.search(
        r"run/tidy \(defer\) \[[\d:]+\]: completed in [\d.]+ s; output \{\"tidied\": \"yes\"\}",
        gone.stdout,
    ), gone.stdout
    again = kes(kube, "cancel", "to-cancel", "-n", namespace, store=controller.store)
    assert again.returncode == 1 and '"to-cancel" not found' in again.stderr


def test_cancel_without_waiting_returns_at_once_and_the_run_still_ends(
    kube: Kube, controller: ControllerProcess, namespace: str
) -> None:
    kube.apply(
        [
            blueprint("slow", namespace, {"run": {"phases": [kubetask("wait", "sleep 600")]}}),
            actionset("quick-cancel", namespace, blueprint="slow"),
        ]
    )
    wait_for(
        lambda: kube.actionset_state("quick-cancel", namespace) == "running",
        what="the run to start",
    )
    result = kes(kube, "cancel", "quick-cancel", "-n", namespace, "--no-wait")
    assert (result.returncode, result.stdout) == (0, "actionset quick-cancel deleted\n")
    wait_for(
        lambda: kube.get("actionset", "quick-cancel", namespace) is None,
        what="the controller to let the cancelled ActionSet go",
    )
    history = controller.history("actionset", "quick-cancel", "-n", namespace, "--json")
    assert '"type": "ActionSetCancelled"' in history.stdout
