"""Kanister's ActionSet, Blueprint and Profile rules, with Kanister's messages."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pytest

from kes.domain import resources, validation


@dataclasses.dataclass(frozen=True)
class Args:
    required_args: Sequence[str]
    optional_args: Sequence[str] = ()

    @property
    def all_args(self) -> Sequence[str]:
        return [*self.required_args, *self.optional_args]


POD_ARGS = ("namespace", "podOverride", "podLabels", "podAnnotations")
FUNCTIONS = {
    "KubeTask": Args(("image", "command"), POD_ARGS),
    "PrepareData": Args(("namespace", "image", "command"), ("volumes", *POD_ARGS[1:])),
    "KubeExec": Args(("namespace", "pod", "command"), ("container",)),
    "NonDefault@v0.0.1": Args(
        ("ndVersionArg0", "ndVersionArg1", "ndVersionArg2"), ("ndVersionArg3",)
    ),
}


def actionset(spec: Any = None, status: Any = None) -> resources.ActionSet:
    obj: dict[str, Any] = {"kind": "ActionSet"}
    if spec is not None:
        obj["spec"] = spec
    if status is not None:
        obj["status"] = status
    parsed = resources.parse_object(obj)
    assert isinstance(parsed, resources.ActionSet)
    return parsed


DEPLOYMENT = {"kind": "Deployment", "name": "app", "namespace": "default"}


def one_action(**status: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = {"actions": [{"name": "backup", "blueprint": "bp", "object": DEPLOYMENT}]}
    return spec, status


@pytest.mark.parametrize(
    ("spec", "status", "message"),
    [
        pytest.param(None, None, "Spec must be non-nil", id="nil-spec"),
        pytest.param(
            {"actions": [{"name": "backup", "object": {"kind": "CronJob", "name": "x"}}]},
            None,
            "Not a known object Kind CronJob. Action backup must specify Resource name and API "
            "version",
            id="unknown-kind",
        ),
        pytest.param(
            {"actions": [{"name": "b", "object": {"kind": "CronJob", "apiVersion": "v1"}}]},
            None,
            "Not a known object Kind CronJob. Action b must specify Resource name and API version",
            id="unknown-kind-without-resource",
        ),
        pytest.param({"actions": []}, {}, "ActionSet has unknown state ''", id="empty-state"),
        pytest.param(
            *one_action(state="pending"),
            "Number of actions in status actions and spec must match",
            id="status-action-count",
        ),
        pytest.param(
            *one_action(state="running", actions=[{"phases": [{"name": "p", "state": ""}]}]),
            "Action has unknown state ''",
            id="phase-empty-state",
        ),
        pytest.param(
            *one_action(state="complete", actions=[{"phases": [{"state": "pending"}]}]),
            "ActionSet cannot be complete if any actions are not complete",
            id="complete-with-pending",
        ),
        pytest.param(
            *one_action(
                state="complete",
                actions=[{"phases": [{"state": "pending"}, {"state": "complete"}]}],
            ),
            "Phases after a pending one must be pending",
            id="complete-after-pending",
        ),
        pytest.param(
            *one_action(
                state="failed", actions=[{"phases": [{"state": "failed"}, {"state": "running"}]}]
            ),
            "Phases after a failed one must be pending",
            id="running-after-failed",
        ),
    ],
)
def test_invalid_actionsets(spec: Any, status: Any, message: str) -> None:
    with pytest.raises(validation.ValidationError) as caught:
        validation.validate_actionset(actionset(spec, status))
    assert caught.value.reason == message
    assert str(caught.value) == f"{message}: Validation Failed"


@pytest.mark.parametrize(
    ("spec", "status"),
    [
        pytest.param({}, None, id="empty-spec"),
        pytest.param({"actions": []}, None, id="no-actions"),
        pytest.param({"actions": []}, {"state": "pending"}, id="pending-no-actions"),
        pytest.param(
            *one_action(
                state="failed",
                actions=[
                    {"phases": [{"state": "complete"}, {"state": "failed"}, {"state": "pending"}]}
                ],
            ),
            id="failed-then-pending",
        ),
        pytest.param(
            *one_action(
                state="running", actions=[{"phases": [{"state": "running"}, {"state": "pending"}]}]
            ),
            id="running",
        ),
        pytest.param(
            *one_action(state="complete", actions=[{"phases": [{"state": "complete"}]}]),
            id="complete",
        ),
        pytest.param(
            {
                "actions": [
                    {"name": "b", "object": {"kind": "StatefulSet"}},
                    {"name": "c", "object": {"kind": "PVC"}},
                    {"name": "d", "object": {"kind": "namespace"}},
                    {"name": "e", "object": {"kind": "DeploymentConfig"}},
                    {"name": "f", "object": {"kind": "Unstructured"}},
                    {
                        "name": "g",
                        "object": {
                            "kind": "ConfigMap",
                            "apiVersion": "v1",
                            "resource": "configmaps",
                        },
                    },
                ]
            },
            None,
            id="known-kinds-any-case",
        ),
    ],
)
def test_valid_actionsets(spec: Any, status: Any) -> None:
    validation.validate_actionset(actionset(spec, status))


def blueprint(actions: dict[str, Any]) -> resources.Blueprint:
    parsed = resources.parse_object({"kind": "Blueprint", "actions": actions})
    assert isinstance(parsed, resources.Blueprint)
    return parsed


def task(name: str, **args: Any) -> dict[str, Any]:
    return {
        "func": "KubeTask",
        "name": name,
        "args": {"image": "busybox", "command": ["true"], **args},
    }


def problems(actions: dict[str, Any], **kwargs: Any) -> list[str]:
    return validation.validate_blueprint(blueprint(actions), functions=FUNCTIONS, **kwargs)


def test_valid_blueprint_has_no_problems() -> None:
    assert (
        problems(
            {
                "backup": {"phases": [task("one"), task("two")], "deferPhase": task("cleanup")},
                "restore": {
                    "phases": [
                        {
                            "func": "PrepareData",
                            "name": "prep",
                            "args": {"namespace": "n", "image": "i", "command": ["c"]},
                        }
                    ]
                },
            }
        )
        == []
    )


def test_missing_required_arg() -> None:
    phase = {"func": "KubeTask", "name": "one", "args": {"image": "busybox"}}
    assert problems({"backup": {"phases": [phase]}}) == [
        "backup/one.command: Required arg missing: command"
    ]


def test_unregistered_function() -> None:
    phase = {"func": "KubeTasks", "name": "one", "args": {}}
    assert problems({"backup": {"phases": [phase]}}) == [
        "backup/one: Requested function {KubeTasks} has not been registered"
    ]


def test_defer_phase_is_validated_even_if_phases_are_fine() -> None:
    defer = {"func": "PrepareData", "name": "prep", "args": {"namespace": "n", "image": "i"}}
    assert problems({"backup": {"phases": [task("one")], "deferPhase": defer}}) == [
        "backup/prep.command: Required arg missing: command"
    ]


def test_unsupported_argument() -> None:
    assert problems({"backup": {"phases": [task("one", colour="red")]}}) == [
        "backup/one.colour: argument colour is not supported"
    ]


def test_versioned_function_and_fallback() -> None:
    args = {"ndVersionArg0": 1, "ndVersionArg1": 1, "ndVersionArg23": 1}
    phase = {"func": "NonDefault", "name": "nd", "args": args}
    assert problems({"a": {"phases": [phase]}}, version="v0.0.1") == [
        "a/nd.ndVersionArg2: Required arg missing: ndVersionArg2",
        "a/nd.ndVersionArg23: argument ndVersionArg23 is not supported",
    ]
    prep = {
        "func": "PrepareData",
        "name": "p",
        "args": {"namespace": "n", "image": "i", "command": ["c"]},
    }
    assert problems({"a": {"phases": [prep]}}, version="v0.0.1") == []


@pytest.mark.parametrize(
    ("arg", "value", "prefix"),
    [
        pytest.param(
            "podLabels",
            {"key$": "value"},
            "label key 'key$' failed validation. [",
            id="label-key-dollar",
        ),
        pytest.param(
            "podLabels",
            {"key*": "value"},
            "label key 'key*' failed validation. [",
            id="label-key-star",
        ),
        pytest.param(
            "podLabels",
            {"key": "value$"},
            "label value 'value$' failed validation. [",
            id="label-value",
        ),
        pytest.param(
            "podAnnotations",
            {"key$": "value"},
            "annotation key 'key$' failed validation. [",
            id="annotation-key",
        ),
        pytest.param(
            "podLabels",
            {"a/b/c": "v"},
            "label key 'a/b/c' failed validation. [a qualified name",
            id="two-slashes",
        ),
        pytest.param(
            "podLabels",
            {"Example.com/x": "v"},
            "label key 'Example.com/x' failed validation. [prefix part a lowercase RFC 1123",
            id="prefix-upper",
        ),
        pytest.param(
            "podLabels",
            {"x" * 64: "v"},
            f"label key '{'x' * 64}' failed validation. "
            "[name part must be no more than 63 characters]",
            id="long-name",
        ),
        pytest.param(
            "podLabels",
            {"k": "{{ .Options.team }}"},
            "label value '{{ .Options.team }}' failed validation",
            id="templated-value",
        ),
        pytest.param("podLabels", ["a"], "labels must be a map of strings", id="not-a-map"),
    ],
)
def test_pod_label_and_annotation_problems(arg: str, value: Any, prefix: str) -> None:
    found = problems({"backup": {"phases": [task("one", **{arg: value})]}})
    assert len(found) == 1
    assert found[0].startswith(f"backup/one.{arg}: {prefix}")


@pytest.mark.parametrize(
    ("arg", "value"),
    [
        pytest.param("podAnnotations", {"key": "value$"}, id="annotation-value-free"),
        pytest.param("podLabels", {"key": ""}, id="empty-label-value"),
        pytest.param("podAnnotations", {"key": ""}, id="empty-annotation-value"),
        pytest.param("podLabels", {"example.com/team": "storage-1"}, id="prefixed-key"),
        pytest.param("podAnnotations", {"Example.COM/Owner": "x"}, id="annotation-case"),
    ],
)
def test_pod_labels_and_annotations_accepted(arg: str, value: Any) -> None:
    assert problems({"backup": {"phases": [task("one", **{arg: value})]}}) == []


def test_label_key_message_is_kubernetes_wording() -> None:
    (found,) = problems({"b": {"phases": [task("one", podLabels={"key$": "v"})]}})
    assert found == (
        "b/one.podLabels: label key 'key$' failed validation. [name part must consist of "
        "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')]"
    )


@pytest.mark.parametrize(
    "actions",
    [
        pytest.param(
            {"backup": {"phases": [task("phaseone"), task("phaseone")]}}, id="same-action"
        ),
        pytest.param(
            {
                "backup": {"phases": [task("phasetwo")]},
                "restore": {"phases": [task("phaseone")], "deferPhase": task("phaseone")},
            },
            id="phase-and-defer",
        ),
        pytest.param(
            {"backup": {"phases": [task("phaseone")]}, "restore": {"phases": [task("phaseone")]}},
            id="across-actions",
        ),
    ],
)
def test_duplicated_phase_names(actions: dict[str, Any]) -> None:
    found = problems(actions)
    assert len(found) == 1
    assert found[0].endswith(
        "/phaseone: Duplicated phase name is not allowed. Violating phase 'phaseone'"
    )


def test_template_parser_is_applied_to_args_objects_and_artifacts() -> None:
    def parse(text: str) -> None:
        if text.count("{{") != text.count("}}"):
            raise ValueError("unclosed action")

    phase = task("one", podOverride={"{{ bad": ["ok", "{{ also bad"]})
    phase["objects"] = {"sec": {"kind": "Secret", "name": "{{ .Object.metadata.name"}}
    action = {"phases": [phase], "outputArtifacts": {"out": {"keyValue": {"k": "{{ x"}}}}
    found = validation.validate_blueprint(
        blueprint({"backup": action}), functions=FUNCTIONS, parse_template=parse
    )
    assert found == [
        "backup/one.podOverride: unclosed action",
        "backup/one.podOverride: unclosed action",
        "backup/one.objects.sec: unclosed action",
        "backup/outputArtifacts.out: unclosed action",
    ]


def test_every_problem_is_reported_not_only_the_first() -> None:
    found = problems(
        {
            "backup": {"phases": [{"func": "Nope", "name": "a"}, task("b", extra=1)]},
            "restore": {"phases": [task("a")]},
        }
    )
    assert found == [
        "backup/a: Requested function {Nope} has not been registered",
        "backup/b.extra: argument extra is not supported",
        "restore/a: Duplicated phase name is not allowed. Violating phase 'a'",
    ]


def profile(**fields: Any) -> resources.Profile:
    obj = {
        "kind": "Profile",
        "location": {"type": "s3Compliant", "bucket": "b", "region": "r"},
        "credential": {
            "type": "keyPair",
            "keyPair": {
                "idField": "id",
                "secretField": "secret",
                "secret": {"name": "s", "namespace": "n"},
            },
        },
    }
    obj.update(fields)
    parsed = resources.parse_object(obj)
    assert isinstance(parsed, resources.Profile)
    return parsed


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param(
            {"location": {"type": "nfs"}},
            "unknown or unsupported location type 'nfs'",
            id="location-type",
        ),
        pytest.param(
            {"location": {"type": "kopia"}},
            "unknown or unsupported location type 'kopia'",
            id="kopia-not-in-schema",
        ),
        pytest.param(
            {"credential": {"type": "keyPair"}},
            "Secret for bucket credentials not specified",
            id="keypair-no-secret",
        ),
        pytest.param(
            {
                "credential": {
                    "type": "keyPair",
                    "keyPair": {"idField": "id", "secret": {"name": "s"}},
                }
            },
            "Secret field or id field empty",
            id="keypair-no-secret-field",
        ),
        pytest.param(
            {
                "credential": {
                    "type": "keyPair",
                    "keyPair": {"secretField": "x", "secret": {"name": "s"}},
                }
            },
            "Secret field or id field empty",
            id="keypair-no-id-field",
        ),
        pytest.param(
            {"credential": {"type": "secret", "secret": {"namespace": "n"}}},
            "Secret name is empty",
            id="secret-no-name",
        ),
        pytest.param(
            {"credential": {"type": "secret", "secret": {"name": "s"}}},
            "Secret namespace is empty",
            id="secret-no-namespace",
        ),
        pytest.param(
            {"credential": {"type": "token"}},
            "Unsupported credential type 'token'",
            id="credential-type",
        ),
        pytest.param(
            {"location": {"type": "s3Compliant", "region": "r"}},
            "Bucket not specified",
            id="no-bucket",
        ),
        pytest.param(
            {"location": {"type": "s3Compliant", "bucket": "b"}},
            "Bucket region not specified",
            id="no-region",
        ),
        pytest.param(
            {
                "location": {
                    "type": "s3Compliant",
                    "bucket": "b",
                    "endpoint": "http://127.0.0.1:9000",
                }
            },
            "Bucket region not specified",
            id="endpoint-still-needs-a-region",
        ),
        pytest.param(
            {"location": {"type": "filestore"}, "credential": {}},
            "Bucket not specified",
            id="filestore-without-directory",
        ),
    ],
)
def test_invalid_profiles(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(validation.ValidationError) as caught:
        validation.validate_profile(profile(**fields))
    assert caught.value.reason == message


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="keypair"),
        pytest.param(
            {"credential": {"type": "secret", "secret": {"name": "s", "namespace": "n"}}},
            id="secret",
        ),
        pytest.param({"location": {"type": "gcs", "bucket": "b"}}, id="gcs"),
        pytest.param(
            {"location": {"type": "filestore", "bucket": "/backups"}, "credential": {}},
            id="filestore-without-credential",
        ),
        pytest.param({"location": {"type": "azure"}}, id="azure"),
    ],
)
def test_valid_profiles(fields: dict[str, Any]) -> None:
    validation.validate_profile(profile(**fields))


def test_resolve_action_finds_the_blueprint_action() -> None:
    bp = blueprint({"backup": {"phases": [task("one")]}})
    spec = resources.ActionSpec(name="backup", blueprint="bp")
    assert validation.resolve_action(spec=spec, blueprint=bp) is bp.actions["backup"]


def test_resolve_action_without_blueprint_name() -> None:
    spec = resources.ActionSpec(name="backup")
    with pytest.raises(validation.ActionResolutionError) as caught:
        validation.resolve_action(spec=spec, blueprint=None)
    assert str(caught.value) == "Blueprint is not specified for action"


def test_resolve_action_missing_action_uses_kanister_wording() -> None:
    bp = resources.Blueprint.model_validate(
        {"metadata": {"name": "time-log-bp"}, "actions": {"backup": {}}}
    )
    spec = resources.ActionSpec.model_validate(
        {"name": "restore", "blueprint": "time-log-bp", "object": {"kind": "Deployment"}}
    )
    with pytest.raises(validation.ActionResolutionError) as caught:
        validation.resolve_action(spec=spec, blueprint=bp)
    assert str(caught.value) == (
        "Action restore for object kind Deployment not found in blueprint time-log-bp"
    )
