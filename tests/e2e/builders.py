"""Small builders of Kanister documents for the e2e tests (plain dicts, Kanister's shapes)."""

from __future__ import annotations

from typing import Any

API = "cr.kanister.io/v1alpha1"


def kubetask(name: str, script: str, **extra_args: Any) -> dict[str, Any]:
    return {
        "func": "KubeTask",
        "name": name,
        "args": {
            "namespace": "{{ .Namespace.Name }}",
            "image": "busybox:1.36",
            "command": ["sh", "-c", script],
            **extra_args,
        },
    }


def blueprint(name: str, namespace: str, actions: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "Blueprint",
        "metadata": {"name": name, "namespace": namespace},
        "actions": actions,
    }


def actionset(
    name: str,
    namespace: str,
    *,
    blueprint: str,
    actions: list[str] | None = None,
    annotations: dict[str, str] | None = None,
    **action_fields: Any,
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": API,
        "kind": "ActionSet",
        "metadata": metadata,
        "spec": {
            "actions": [
                {
                    "name": action,
                    "blueprint": blueprint,
                    "object": {"kind": "Namespace", "name": namespace, "namespace": namespace},
                    **action_fields,
                }
                for action in (actions or ["run"])
            ]
        },
    }


def phase_states(obj: dict[str, Any], action: int = 0) -> list[tuple[str, str]]:
    return [(p["name"], p["state"]) for p in obj["status"]["actions"][action]["phases"]]


def one_action(
    name: str,
    namespace: str,
    *,
    phases: list[dict[str, Any]],
    defer: dict[str, Any] | None = None,
    artifacts: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
    **action_fields: Any,
) -> list[dict[str, Any]]:
    """A Blueprint `bp` with one action `run`, and an ActionSet `name` that runs it."""
    action: dict[str, Any] = {"phases": phases}
    if defer is not None:
        action["deferPhase"] = defer
    if artifacts is not None:
        action["outputArtifacts"] = artifacts
    return [
        blueprint("bp", namespace, {"run": action}),
        actionset(name, namespace, blueprint="bp", annotations=annotations, **action_fields),
    ]
