"""The TemplateParams of `kes blueprint render`, assembled offline from files and options.

The controller fetches the target object, its pods, Secrets, ConfigMaps and the Profile from the
cluster (`kes.controller.parameters`); a dry run must not touch a cluster, so the same shapes
(`kes.domain.params`) are built here from what the user hands over: a params file written with
TemplateParams' Go field names, a file of Secret/ConfigMap objects, a Profile file and options.
Every secret value that goes in is collected, so the command can mask it in what it prints.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from typing import Any

from kes.cli import blueprint_objects as objects
from kes.domain import params
from kes.domain.templates import values

WORKLOAD_KINDS = {
    "statefulset": "StatefulSet",
    "deployment": "Deployment",
    "deploymentconfig": "DeploymentConfig",
}
_NAMED_KINDS = {"pvc": "PVC", "namespace": "Namespace"}
_API_VERSIONS = {
    "statefulset": "apps/v1",
    "deployment": "apps/v1",
    "deploymentconfig": "apps.openshift.io/v1",
    "pvc": "v1",
    "namespace": "v1",
}
_OBJECT_KINDS = {
    "statefulset": "StatefulSet",
    "deployment": "Deployment",
    "deploymentconfig": "DeploymentConfig",
    "pvc": "PersistentVolumeClaim",
    "namespace": "Namespace",
}
PARAM_FIELDS = (
    "Object",
    "StatefulSet",
    "Deployment",
    "DeploymentConfig",
    "PVC",
    "Namespace",
    "ArtifactsIn",
    "ConfigMaps",
    "Secrets",
    "Time",
    "Profile",
    "Options",
    "Phases",
    "DeferPhase",
    "PodOverride",
    "PodAnnotations",
    "PodLabels",
)


@dataclasses.dataclass
class Inputs:
    """What the options of `kes blueprint render` say, before it becomes TemplateParams."""

    params_file: dict[str, Any] = dataclasses.field(default_factory=dict)
    pool: objects.Pool = dataclasses.field(default_factory=objects.Pool)
    object_ref: tuple[str, str, str] | None = None
    object: dict[str, Any] | None = None
    pods: list[tuple[str, list[str]]] = dataclasses.field(default_factory=list)
    pvcs: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    options: dict[str, str] = dataclasses.field(default_factory=dict)
    secret_refs: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    config_map_refs: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)
    secret_data: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    artifacts: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)
    profile: dict[str, Any] | None = None
    outputs: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    time: str | None = None


@dataclasses.dataclass
class Offline:
    """The assembled params, the secrets in them, and how to build each phase's entry."""

    template: values.GoStruct
    secrets: list[bytes | str]
    pool: objects.Pool
    outputs: dict[str, dict[str, Any]]
    phase_secrets: dict[str, dict[str, Any]]

    def with_phase(
        self, *, name: str, refs: Mapping[str, Mapping[str, Any]] | None, defer: bool
    ) -> None:
        """InitPhaseParams: the phase's entry, with its Secret/ConfigMap objects, as it starts."""
        self._set(name=name, defer=defer, phase=self._objects(name=name, refs=refs))

    def finish_phase(self, *, name: str, defer: bool) -> None:
        """The phase "ran": its output (from --outputs or the params file) becomes readable."""
        current = self._phase(name=name, defer=defer)
        output = {**self.outputs.get(DEFER_KEY, {})} if defer else {}
        output.update(self.outputs.get(name, {}))
        self._set(
            name=name,
            defer=defer,
            phase=params.phase(
                secrets=current.field("Secrets"),
                config_maps=current.field("ConfigMaps"),
                output=output,
            ),
        )

    def _phase(self, *, name: str, defer: bool) -> values.GoStruct:
        if defer:
            found: values.GoStruct = self.template.field("DeferPhase")
            return found
        phase: values.GoStruct = self.template.field("Phases")[name]
        return phase

    def _set(self, *, name: str, defer: bool, phase: values.GoStruct) -> None:
        if defer:
            self.template = params.with_fields(self.template, DeferPhase=phase)
            return
        phases = values.TypedMap(
            dict(self.template.field("Phases")), elem_type="*param.Phase", zero=None
        )
        phases[name] = phase
        self.template = params.with_fields(self.template, Phases=phases)

    def _objects(
        self, *, name: str, refs: Mapping[str, Mapping[str, Any]] | None
    ) -> values.GoStruct:
        secrets: dict[str, values.GoStruct] = {}
        config_maps: dict[str, values.GoStruct] = {}
        for key, ref in (refs or {}).items():
            kind = str(ref.get("kind", "")).lower()
            if kind not in ("secret", "configmap"):
                continue  # Kanister ignores other kinds here
            if kind == "secret" and key in self.phase_secrets.get(name, {}):
                secrets[key] = params.secret(self.phase_secrets[name][key])
                continue
            obj = self.pool.get(
                kind="Secret" if kind == "secret" else "ConfigMap",
                namespace=str(ref.get("namespace", "")),
                name=str(ref.get("name", "")),
                why=f"object {key!r} of phase {name!r}",
            )
            if kind == "secret":
                secrets[key] = params.secret(obj)
            else:
                config_maps[key] = params.config_map(obj)
        # An empty output map rather than nil: Go reads both alike (a missing key is "not
        # found"), and the engine's nil handling differs from Go's here.
        return params.phase(secrets=secrets, config_maps=config_maps, output={})


def assemble(inputs: Inputs, *, now: dt.datetime) -> Offline:
    """`param.New` without a cluster: params file first, options on top."""
    given = inputs.params_file
    unknown = sorted(set(given) - set(PARAM_FIELDS))
    if unknown:
        raise objects.OfflineError(
            f"params file: unknown field(s) {', '.join(unknown)} "
            f"(TemplateParams has {', '.join(PARAM_FIELDS)})"
        )
    collected: list[bytes | str] = list(inputs.pool.secret_values())
    fields: dict[str, Any] = {}
    fields["Object"] = dict(objects.mapping(given, "Object") or {})
    for key in ("StatefulSet", "Deployment", "DeploymentConfig"):
        if given.get(key) is not None:
            fields[key] = _workload(key, objects.mapping(given, key) or {})
    for key in ("PVC", "Namespace"):
        if given.get(key) is not None:
            spec = objects.mapping(given, key) or {}
            fields[key] = params.name_and_namespace(
                kind=key, name=str(spec.get("Name", "")), namespace=str(spec.get("Namespace", ""))
            )
    _apply_object(inputs, fields)
    fields["Options"] = values.TypedMap(
        {str(k): str(v) for k, v in (objects.mapping(given, "Options") or {}).items()}
        | inputs.options
    )
    fields["ArtifactsIn"] = params.artifacts(_artifacts(given, inputs))
    fields["Secrets"] = values.TypedMap(
        objects.secrets(given, inputs, collected), elem_type="v1.Secret", zero=None
    )
    fields["ConfigMaps"] = values.TypedMap(
        objects.config_maps(given, inputs), elem_type="v1.ConfigMap", zero=None
    )
    profile = objects.profile(given, inputs, collected)
    if profile is not None:
        fields["Profile"] = profile
    fields["Time"] = inputs.time or str(given.get("Time") or "") or params.rfc3339_nano(now)
    for key in ("PodOverride",):
        fields[key] = dict(objects.mapping(given, key) or {})
    for key in ("PodLabels", "PodAnnotations"):
        fields[key] = values.TypedMap(
            {str(k): str(v) for k, v in (objects.mapping(given, key) or {}).items()}
        )
    outputs, phase_secrets = _phase_inputs(given, inputs, collected)
    return Offline(
        template=params.template_params(**fields),
        secrets=collected,
        pool=inputs.pool,
        outputs=outputs,
        phase_secrets=phase_secrets,
    )


def _workload(kind: str, spec: Mapping[str, Any]) -> values.GoStruct:
    pods = [str(p) for p in spec.get("Pods") or []]
    containers = [[str(c) for c in group] for group in spec.get("Containers") or []]
    pvcs = {
        str(pod): {str(k): str(v) for k, v in (claims or {}).items()}
        for pod, claims in (spec.get("PersistentVolumeClaims") or {}).items()
    }
    return params.workload(
        kind=kind,
        name=str(spec.get("Name", "")),
        namespace=str(spec.get("Namespace", "")),
        pods=pods,
        containers=containers,
        pvcs=pvcs,
    )


def _apply_object(inputs: Inputs, fields: dict[str, Any]) -> None:
    """--object and --object-file: the target object, its workload params, its pods."""
    obj = inputs.object
    ref = inputs.object_ref
    if ref is None and obj is not None:
        meta = obj.get("metadata") or {}
        ref = (str(obj.get("kind", "")), str(meta.get("namespace", "")), str(meta.get("name", "")))
    if ref is None:
        if inputs.pods or inputs.pvcs:
            raise objects.OfflineError(
                "--pod and --pvc need --object (or --object-file) to say whose"
            )
        return
    kind, namespace, name = ref
    lower = kind.lower()
    lower = "pvc" if lower == "persistentvolumeclaim" else lower
    if obj is None and not fields["Object"]:
        obj = {
            "apiVersion": _API_VERSIONS.get(lower, "v1"),
            "kind": _OBJECT_KINDS.get(lower, kind),
            "metadata": {"name": name, "namespace": namespace},
        }
    if obj is not None:
        fields["Object"] = obj
    if inputs.pods and lower not in WORKLOAD_KINDS:
        raise objects.OfflineError(f"--pod applies to StatefulSets and Deployments, not {kind!r}")
    if lower in WORKLOAD_KINDS:
        label = WORKLOAD_KINDS[lower]
        pods = inputs.pods or _replica_pods(lower, fields["Object"], name=name)
        fields[label] = params.workload(
            kind=label,
            name=name,
            namespace=namespace,
            pods=[pod for pod, _ in pods],
            containers=[list(c) for _, c in pods],
            pvcs={pod: inputs.pvcs.get(pod, {}) for pod, _ in pods},
        )
    elif lower in _NAMED_KINDS:
        if lower == "namespace":
            name = namespace = namespace or name  # Kanister sets both from the namespace
        fields[_NAMED_KINDS[lower]] = params.name_and_namespace(
            kind=_NAMED_KINDS[lower], name=name, namespace=namespace
        )


def _replica_pods(kind: str, obj: Mapping[str, Any], *, name: str) -> list[tuple[str, list[str]]]:
    # A StatefulSet's pods have predictable names; assume every replica runs, as a dry run can.
    spec = obj.get("spec") or {}
    if kind != "statefulset" or "replicas" not in spec:
        return []
    containers = [
        str(c.get("name", ""))
        for c in ((spec.get("template") or {}).get("spec") or {}).get("containers") or []
    ]
    return [(f"{name}-{index}", containers) for index in range(int(spec["replicas"]))]


def _artifacts(given: Mapping[str, Any], inputs: Inputs) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, spec in (objects.mapping(given, "ArtifactsIn") or {}).items():
        if not isinstance(spec, Mapping):
            raise objects.OfflineError(f"params file: ArtifactsIn.{name} must be a mapping")
        found[str(name)] = {
            "keyValue": dict(spec.get("KeyValue") or spec.get("keyValue") or {}),
            "kopiaSnapshot": str(spec.get("KopiaSnapshot") or spec.get("kopiaSnapshot") or ""),
        }
    for name, key_values in inputs.artifacts.items():
        entry = found.setdefault(name, {"keyValue": {}, "kopiaSnapshot": ""})
        entry["keyValue"] = {**entry["keyValue"], **key_values}
    return found


def _phase_inputs(
    given: Mapping[str, Any], inputs: Inputs, collected: list[bytes | str]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Outputs per phase (params file `Phases`/`DeferPhase`, then --outputs) and given secrets."""
    outputs: dict[str, dict[str, Any]] = {}
    phase_secrets: dict[str, dict[str, Any]] = {}
    for name, spec in (objects.mapping(given, "Phases") or {}).items():
        if not isinstance(spec, Mapping):
            raise objects.OfflineError(f"params file: Phases.{name} must be a mapping")
        outputs[str(name)] = dict(spec.get("Output") or {})
        for ref, secret in (spec.get("Secrets") or {}).items():
            obj = objects.secret_object(secret or {}, ref=str(ref))
            collected.extend(objects.secret_data(obj).values())
            phase_secrets.setdefault(str(name), {})[str(ref)] = obj
    defer = objects.mapping(given, "DeferPhase")
    if defer is not None:
        outputs[DEFER_KEY] = dict(defer.get("Output") or {})
    for name, key_values in inputs.outputs.items():
        outputs[name] = {**outputs.get(name, {}), **key_values}
    return outputs, phase_secrets


# The params file's `DeferPhase.Output` is kept under this key until the deferPhase's name is known.
DEFER_KEY = "<deferPhase>"
