"""`kes blueprint validate` and `kes blueprint render`: check and dry-run Blueprints offline.

`validate` runs Kanister's blueprint checks (`kanctl validate blueprint`, reference 5.1) against
every Kanister function's argument lists, and also parses every template, which Kanister leaves
to the first run. `render` shows what an action's phases would receive, rendered exactly as the
controller renders them, from files and options instead of a cluster; secret values are masked
unless asked for. Neither command contacts a cluster.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Mapping
from typing import IO, Any

import click
import yaml

from kes.cli import blueprint_offline as offline
from kes.domain import masking, resources, validation
from kes.domain.templates import errors as template_errors
from kes.domain.templates import rendering
from kes.functions import base, registry

PASS, FAIL = "✅", "❌"


@click.group()
def blueprint() -> None:
    """Validate Blueprints and render their actions offline."""


@dataclasses.dataclass(frozen=True)
class _Loaded:
    blueprint: resources.Blueprint
    unknown_fields: list[str]


def _fail(lines: list[str], *, summary: str | None = None) -> None:
    for line in lines:
        click.echo(line, err=True)
    if summary:
        click.echo(f"Error: {summary}", err=True)
    raise click.exceptions.Exit(1)


def _load(source: IO[str]) -> list[_Loaded]:
    """The Blueprints of a YAML stream; other kinds are skipped with a note on stderr."""
    try:
        documents = resources.load_yaml_documents(source.read())
    except resources.ResourceError as error:
        _fail(error.problems, summary="the input is not valid YAML.")
    except UnicodeDecodeError:
        _fail([], summary="the input is not UTF-8 text.")
    numbered = len(documents) > 1
    loaded: list[_Loaded] = []
    problems: list[str] = []
    for index, document in enumerate(documents, start=1):
        kind = document.get("kind") if isinstance(document, Mapping) else None
        if isinstance(kind, str) and kind != "Blueprint":
            name = (document.get("metadata") or {}).get("name", "")
            click.echo(f'Skipping document {index} ({kind} "{name}"): not a Blueprint.', err=True)
            continue
        try:
            parsed = resources.parse_object(document)
            unknown = resources.unknown_fields(document)
        except resources.ResourceError as error:
            prefix = f"document {index}: " if numbered else ""
            problems.extend(prefix + problem for problem in error.problems)
            continue
        assert isinstance(parsed, resources.Blueprint)
        loaded.append(_Loaded(blueprint=parsed, unknown_fields=unknown))
    if problems:
        _fail(problems, summary="the input is not a valid Blueprint.")
    if not loaded:
        _fail([], summary="the input holds no Blueprint.")
    return loaded


def function_table(version: str) -> dict[str, base.FunctionSpec]:
    """Every Kanister function as `lookup` resolves it at `version` (kanctl's `-v`)."""
    table: dict[str, base.FunctionSpec] = {}
    for spec in registry.all_specs():
        try:
            table[spec.name] = registry.lookup(spec.name, version)
        except base.FunctionNotFoundError:
            continue  # no variant at this version: validation reports it as not registered
    return table


def check_blueprint(
    found: resources.Blueprint, *, version: str = base.DEFAULT_VERSION
) -> list[str]:
    """Kanister's checks plus a parse of every template, as "action/phase.arg: message"."""
    return validation.validate_blueprint(
        found, functions=function_table(version), parse_template=rendering.check
    )


def _stage_lines(found: resources.Blueprint, problems: list[str]) -> Iterator[str]:
    # Kanister's order: an action's deferPhase is checked before its phases.
    for action_name, action in found.actions.items():
        phases = [*([action.defer_phase] if action.defer_phase else []), *action.phases]
        for phase in phases:
            where = f"{action_name}/{phase.name}"
            failed = any(p.startswith((f"{where}.", f"{where}:")) for p in problems)
            verdict = ("Failed", FAIL) if failed else ("Passed", PASS)
            yield (
                f"{verdict[0]} the 'validation of phase {phase.name} in action {action_name}' "
                f"check.. {verdict[1]}"
            )


@blueprint.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "-v",
    "--function-version",
    default=base.DEFAULT_VERSION,
    show_default=True,
    help="Version of the Kanister functions to check against (kanctl's -v).",
)
@click.option("--strict", is_flag=True, help="Fields Kanister would drop are problems too.")
def validate(file: IO[str], function_version: str, strict: bool) -> None:
    """Check FILE's Blueprints (`-` reads stdin); exit 1 listing every problem found."""
    try:
        registry.parse_version(function_version)
    except base.FunctionError as error:
        _fail([], summary=f"{error}.")
    loaded = _load(file)
    several = len(loaded) > 1
    total = 0
    for item in loaded:
        found = item.blueprint
        problems = check_blueprint(found, version=function_version)
        for path in item.unknown_fields:
            message = f"unknown field {path!r} (Kanister drops it)"
            if strict:
                problems.append(message)
            else:
                click.echo(f"Warning: {found.metadata.name}: {message}.", err=True)
        for line in _stage_lines(found, problems):
            click.echo(line)
        prefix = f"{found.metadata.name}: " if several else ""
        for problem in problems:
            click.echo(prefix + problem)
        total += len(problems)
    if total:
        noun = "problem" if total == 1 else "problems"
        _fail([], summary=f"{total} {noun} found.")


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line strings, so rendered scripts read as scripts."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(document: Any) -> str:
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)


def _pairs(values: tuple[str, ...], *, option: str, separator: str) -> Iterator[tuple[str, str]]:
    for value in values:
        left, equals, right = value.partition("=")
        if not equals or not left:
            raise click.BadParameter(f"{value!r} is not {separator}", param_hint=option)
        yield left, right


def _dotted(values: tuple[str, ...], *, option: str, shape: str) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for left, right in _pairs(values, option=option, separator=shape):
        head, dot, key = left.partition(".")
        if not dot or not head or not key:
            raise click.BadParameter(f"{left!r} is not {shape}", param_hint=option)
        found.setdefault(head, {})[key] = right
    return found


def _refs(values: tuple[str, ...], *, option: str) -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for ref, target in _pairs(values, option=option, separator="REF=NAMESPACE/NAME"):
        namespace, slash, name = target.partition("/")
        if not slash or not namespace or not name:
            raise click.BadParameter(f"{target!r} is not NAMESPACE/NAME", param_hint=option)
        found[ref] = (namespace, name)
    return found


def _yaml_objects(source: IO[str], *, option: str) -> list[Any]:
    try:
        return resources.load_yaml_documents(source.read())
    except resources.ResourceError as error:
        raise click.BadParameter("; ".join(error.problems), param_hint=option) from None


def _single_mapping(source: IO[str] | None, *, option: str) -> dict[str, Any] | None:
    if source is None:
        return None
    documents = _yaml_objects(source, option=option)
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise click.BadParameter("expected one YAML mapping", param_hint=option)
    return documents[0]


def _object_ref(value: str | None) -> tuple[str, str, str] | None:
    if value is None:
        return None
    parts = value.split("/")
    if len(parts) == 2 and parts[0].lower() == "namespace":
        return (parts[0], parts[1], parts[1])
    if len(parts) != 3 or not all(parts):
        raise click.BadParameter(f"{value!r} is not KIND/NAMESPACE/NAME", param_hint="--object")
    return (parts[0], parts[1], parts[2])


def _pods(values: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    pods = []
    for value in values:
        pod, _, containers = value.partition(":")
        if not pod:
            raise click.BadParameter(f"{value!r} is not POD[:CONTAINER,...]", param_hint="--pod")
        pods.append((pod, [c for c in containers.split(",") if c]))
    return pods


def _pvcs(values: tuple[str, ...]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for left, path in _pairs(values, option="--pvc", separator="POD/CLAIM=MOUNTPATH"):
        pod, slash, claim = left.partition("/")
        if not slash or not pod or not claim:
            raise click.BadParameter(f"{left!r} is not POD/CLAIM", param_hint="--pvc")
        found.setdefault(pod, {})[claim] = path
    return found


def _select(loaded: list[_Loaded], name: str | None) -> resources.Blueprint:
    names = [item.blueprint.metadata.name for item in loaded]
    if name is None:
        if len(loaded) > 1:
            listed = ", ".join(f'"{n}"' for n in names)
            _fail(
                [],
                summary=f"the input holds several Blueprints ({listed}): pick one with "
                "--blueprint.",
            )
        return loaded[0].blueprint
    for item in loaded:
        if item.blueprint.metadata.name == name:
            return item.blueprint
    _fail([], summary=f'the input holds no Blueprint "{name}".')
    raise AssertionError("unreachable")


@dataclasses.dataclass
class _Render:
    """One dry run of an action: what each phase gets, and every failure on the way."""

    found: resources.Blueprint
    action_name: str
    state: offline.Offline
    problems: list[str] = dataclasses.field(default_factory=list)

    def run(self, *, with_artifacts: bool) -> dict[str, Any]:
        action = self.found.actions[self.action_name]
        document: dict[str, Any] = {
            "blueprint": self.found.metadata.name,
            "action": self.action_name,
            "phases": [self.phase(p, defer=False) for p in action.phases],
        }
        if action.defer_phase is not None:
            document["deferPhase"] = self.phase(action.defer_phase, defer=True)
        if with_artifacts and action.output_artifacts:
            document["outputArtifacts"] = self.artifacts(action)
        return document

    def phase(self, phase: resources.BlueprintPhase, *, defer: bool) -> dict[str, Any]:
        where = f"{self.action_name}/{phase.name}"
        rendered: dict[str, Any] = {"name": phase.name, "func": phase.func}
        refs = self.object_refs(phase, where=where)
        if refs:
            rendered["objects"] = refs
        try:
            self.state.with_phase(name=phase.name, refs=refs, defer=defer)
        except offline.OfflineError as error:
            self.problems.append(f"{where}.objects: {error}")
            return rendered
        args: dict[str, Any] = {}
        for arg, value in phase.args.items():
            try:
                args.update(rendering.render_args({arg: value}, self.state.template))
            except template_errors.TemplateError as error:
                self.problems.append(f"{where}.{arg}: {error}")
        rendered["args"] = args
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


@blueprint.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("-a", "--action", "action_name", required=True, help="The action to render.")
@click.option("--blueprint", "blueprint_name", help="Which Blueprint, when FILE holds several.")
@click.option(
    "--params",
    "params_file",
    type=click.File("r", encoding="utf-8"),
    help="YAML of TemplateParams fields by Go name (Object, StatefulSet, Options, …).",
)
@click.option(
    "--object",
    "object_ref",
    metavar="KIND/NAMESPACE/NAME",
    help="The ActionSet's object (e.g. statefulset/mysql/mysql).",
)
@click.option(
    "--object-file",
    type=click.File("r", encoding="utf-8"),
    help="The object itself (as `kubectl get -o yaml` prints it), for .Object.",
)
@click.option(
    "--pod",
    multiple=True,
    metavar="POD[:CONTAINER,...]",
    help="A running pod of the workload, with its containers.",
)
@click.option(
    "--pvc",
    multiple=True,
    metavar="POD/CLAIM=MOUNTPATH",
    help="A claim mounted by a pod of the workload.",
)
@click.option("-o", "--option", multiple=True, metavar="KEY=VALUE", help="An ActionSet option.")
@click.option(
    "-s",
    "--secret",
    multiple=True,
    metavar="REF=NAMESPACE/NAME",
    help="An ActionSet secret, looked up in --secrets-file.",
)
@click.option(
    "-c",
    "--config-map",
    multiple=True,
    metavar="REF=NAMESPACE/NAME",
    help="An ActionSet ConfigMap, looked up in --secrets-file.",
)
@click.option(
    "--secret-data",
    multiple=True,
    metavar="REF.KEY=VALUE",
    help="A value of an ActionSet secret, given directly.",
)
@click.option(
    "--secrets-file",
    multiple=True,
    type=click.File("r", encoding="utf-8"),
    help="YAML of Secret and ConfigMap objects (for secrets, phase objects, Profile).",
)
@click.option(
    "--artifact",
    multiple=True,
    metavar="NAME.KEY=VALUE",
    help="An input artifact's key (.ArtifactsIn.NAME.KeyValue.KEY).",
)
@click.option(
    "--profile-file",
    type=click.File("r", encoding="utf-8"),
    help="A Profile resource; its credential Secret comes from --secrets-file.",
)
@click.option(
    "--outputs",
    multiple=True,
    metavar="PHASE.KEY=VALUE",
    help="A phase output, for later phases and outputArtifacts.",
)
@click.option("--time", "time_text", metavar="RFC3339", help="The action's .Time (default: now).")
@click.option("--show-secrets", is_flag=True, help="Print secret values instead of ***.")
def render(
    file: IO[str],
    action_name: str,
    blueprint_name: str | None,
    params_file: IO[str] | None,
    object_ref: str | None,
    object_file: IO[str] | None,
    pod: tuple[str, ...],
    pvc: tuple[str, ...],
    option: tuple[str, ...],
    secret: tuple[str, ...],
    config_map: tuple[str, ...],
    secret_data: tuple[str, ...],
    secrets_file: tuple[IO[str], ...],
    artifact: tuple[str, ...],
    profile_file: IO[str] | None,
    outputs: tuple[str, ...],
    time_text: str | None,
    show_secrets: bool,
) -> None:
    """Print the args ACTION's phases of FILE's Blueprint would get, as YAML, without a cluster."""
    pool = offline.Pool()
    for source in secrets_file:
        for obj in _yaml_objects(source, option="--secrets-file"):
            _add(pool, obj, source="--secrets-file")
    profile = None
    if profile_file is not None:
        for obj in _yaml_objects(profile_file, option="--profile-file"):
            if isinstance(obj, Mapping) and obj.get("kind") == "Profile":
                profile = dict(obj)
            else:
                _add(pool, obj, source="--profile-file")
        if profile is None:
            raise click.BadParameter("no Profile in the file", param_hint="--profile-file")
    inputs = offline.Inputs(
        params_file=_single_mapping(params_file, option="--params") or {},
        pool=pool,
        object_ref=_object_ref(object_ref),
        object=_single_mapping(object_file, option="--object-file"),
        pods=_pods(pod),
        pvcs=_pvcs(pvc),
        options=dict(_pairs(option, option="--option", separator="KEY=VALUE")),
        secret_refs=_refs(secret, option="--secret"),
        config_map_refs=_refs(config_map, option="--config-map"),
        secret_data=_dotted(secret_data, option="--secret-data", shape="REF.KEY=VALUE"),
        artifacts=_dotted(artifact, option="--artifact", shape="NAME.KEY=VALUE"),
        profile=profile,
        outputs=_dotted(outputs, option="--outputs", shape="PHASE.KEY=VALUE"),
        time=time_text,
    )
    found = _select(_load(file), blueprint_name)
    if action_name not in found.actions:
        available = ", ".join(f'"{name}"' for name in found.actions) or "none"
        _fail(
            [],
            summary=f'Blueprint "{found.metadata.name}" has no action "{action_name}" '
            f"(available: {available}).",
        )
    secrets: list[bytes | str] = []
    try:
        state = offline.assemble(inputs, now=dt.datetime.now(dt.UTC))
        secrets = state.secrets
        dry_run = _Render(found=found, action_name=action_name, state=state)
        document = dry_run.run(with_artifacts=bool(state.outputs))
    except offline.OfflineError as error:
        document, problems = None, [str(error)]
    else:
        problems = dry_run.problems
    mask = (lambda value: value) if show_secrets else masking.Masker(secrets)
    if problems or document is None:
        _fail([mask(p) for p in problems], summary=f"{len(problems)} rendering problem(s).")
        return
    click.echo(dump_yaml(_masked(document, mask)), nl=False)


def _masked(document: dict[str, Any], mask: Any) -> dict[str, Any]:
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


def _add(pool: offline.Pool, obj: Any, *, source: str) -> None:
    if not isinstance(obj, Mapping):
        raise click.BadParameter("expected Kubernetes objects", param_hint=source)
    try:
        pool.add(obj, source=source)
    except offline.OfflineError as error:
        raise click.BadParameter(str(error), param_hint=source) from None
