"""One dry run of a Blueprint action: each phase's object refs and args rendered, as YAML.

Phases are rendered in order the way the controller renders them (objects up front, then each
phase's entry added to `.Phases` before its args are rendered, the deferPhase last), and every
failure is collected as "action/phase.arg: message" instead of stopping at the first.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import yaml

from kes.cli import blueprint_objects as objects
from kes.cli import blueprint_offline as offline
from kes.domain import resources
from kes.domain.templates import errors as template_errors
from kes.domain.templates import rendering
from kes.functions import base, registry


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so rendered scripts read as scripts."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)


@dataclasses.dataclass
class DryRun:
    """One dry run of an action: what each phase gets, and every failure on the way."""

    found: resources.Blueprint
    action_name: str
    state: offline.Offline
    problems: list[str] = dataclasses.field(default_factory=list)

    def run(self, *, with_artifacts: bool) -> dict[str, Any]:
        action = self.found.actions[self.action_name]
        # Kanister renders every phase's object refs up front (GetPhases), before any phase runs.
        refs = {
            phase.name: self.object_refs(phase, where=f"{self.action_name}/{phase.name}")
            for phase in self.found.phases_of(self.action_name)
        }
        document: dict[str, Any] = {
            "blueprint": self.found.metadata.name,
            "action": self.action_name,
            "phases": [self.phase(p, refs=refs[p.name], defer=False) for p in action.phases],
        }
        if action.defer_phase is not None:
            defer = action.defer_phase
            document["deferPhase"] = self.phase(defer, refs=refs[defer.name], defer=True)
        if with_artifacts and action.output_artifacts:
            document["outputArtifacts"] = self.artifacts(action)
        return document

    def phase(
        self, phase: resources.BlueprintPhase, *, refs: dict[str, dict[str, Any]], defer: bool
    ) -> dict[str, Any]:
        where = f"{self.action_name}/{phase.name}"
        rendered: dict[str, Any] = {"name": phase.name, "func": phase.func}
        if refs:
            rendered["objects"] = refs
        try:
            self.state.with_phase(name=phase.name, refs=refs, defer=defer)
        except objects.OfflineError as error:
            self.problems.append(f"{where}.objects: {error}")
            # Later phases may still read this one's outputs; its own args cannot render.
            self.state.with_phase(name=phase.name, refs=None, defer=defer)
            self.state.finish_phase(name=phase.name, defer=defer)
            return rendered
        if _renders_own_args(phase.func):
            # Wait/WaitV2 render their args per poll, against the live object (skipRenderFuncs).
            rendered["args"] = dict(phase.args)
            self.state.finish_phase(name=phase.name, defer=defer)
            return rendered
        args: dict[str, Any] = {}
        for arg, value in phase.args.items():
            try:
                args.update(rendering.render_args({arg: value}, self.state.template))
            except template_errors.TemplateError as error:
                self.problems.append(f"{where}.{arg}: {error}")
        rendered["args"] = args
        self.state.finish_phase(name=phase.name, defer=defer)
        return rendered

    def object_refs(
        self, phase: resources.BlueprintPhase, *, where: str
    ) -> dict[str, dict[str, Any]]:
        refs: dict[str, dict[str, Any]] = {}
        for name, ref in phase.objects.items():
            raw = ref.model_dump(by_alias=True, exclude_defaults=True)
            try:
                done = rendering.render_object_refs({name: raw}, self.state.template)
            except template_errors.TemplateError as error:
                self.problems.append(f"{where}.objects.{name}: {error}")
                continue
            refs.update(done or {name: raw})
        return refs

    def artifacts(self, action: resources.BlueprintAction) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, artifact in action.output_artifacts.items():
            raw = artifact.model_dump(by_alias=True, exclude_defaults=True)
            try:
                out.update(rendering.render_artifacts({name: raw}, self.state.template))
            except template_errors.TemplateError as error:
                self.problems.append(f"{self.action_name}/outputArtifacts.{name}: {error}")
        return out


def masked(document: dict[str, Any], mask: Callable[[Any], Any]) -> dict[str, Any]:
    # Names come from the Blueprint, not from a render: a secret equal to a common word
    # ("postgres") must not blank the phase names out.
    def phase(entry: dict[str, Any]) -> dict[str, Any]:
        return {
            key: value if key in ("name", "func") else mask(value) for key, value in entry.items()
        }

    out = dict(document)
    out["phases"] = [phase(entry) for entry in document["phases"]]
    if "deferPhase" in out:
        out["deferPhase"] = phase(out["deferPhase"])
    if "outputArtifacts" in out:
        out["outputArtifacts"] = mask(out["outputArtifacts"])
    return out


def _renders_own_args(function: str) -> bool:
    try:
        return registry.renders_own_args(registry.lookup(function))
    except base.FunctionError:
        return False
