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
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, NoReturn

import click

from kes.cli import blueprint_dryrun as dryrun
from kes.cli import blueprint_objects as objects
from kes.cli import blueprint_offline as offline
from kes.cli import blueprint_options as options
from kes.domain import masking, resources, validation
from kes.domain.templates import rendering
from kes.functions import base, registry

PASS, FAIL = "✅", "❌"
# Options whose parameter name differs from the option keep the variable the option implies.
_ENV = "KES_BLUEPRINT_RENDER"


@click.group()
def blueprint() -> None:
    """Validate Blueprints and render their actions offline."""


@dataclasses.dataclass(frozen=True)
class _Loaded:
    blueprint: resources.Blueprint
    unknown_fields: list[str]


def _fail(lines: list[str], *, summary: str | None = None) -> NoReturn:
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


@blueprint.command()
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option(
    "-a",
    "--action",
    "action_name",
    required=True,
    envvar=f"{_ENV}_ACTION",
    help="The action to render.",
)
@click.option(
    "--blueprint",
    "blueprint_name",
    envvar=f"{_ENV}_BLUEPRINT",
    help="Which Blueprint, when FILE holds several.",
)
@click.option(
    "--params",
    "params_file",
    envvar=f"{_ENV}_PARAMS",
    type=click.File("r", encoding="utf-8"),
    help="YAML of TemplateParams fields by Go name (Object, StatefulSet, Options, …).",
)
@click.option(
    "--object",
    "object_ref",
    envvar=f"{_ENV}_OBJECT",
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
@click.option(
    "--time",
    "time_text",
    metavar="RFC3339",
    envvar=f"{_ENV}_TIME",
    help="The action's .Time (default: now).",
)
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
    """Render an action of FILE's Blueprint offline and print each phase's args as YAML.

    FILE may be `-` (stdin). Nothing is fetched from a cluster: the object, pods, secrets and
    profile come from the options and files given (a StatefulSet's pods default to one per
    replica of --object-file). Output artifacts are rendered when phase outputs are given.
    Secret values print as *** unless --show-secrets. Exit 1 names each action/phase.arg
    that fails to render, with Kanister's message.
    """
    pool = objects.Pool()
    for source in secrets_file:
        for obj in options.yaml_objects(source, option="--secrets-file"):
            _add(pool, obj, source="--secrets-file")
    profile = None
    if profile_file is not None:
        for obj in options.yaml_objects(profile_file, option="--profile-file"):
            if isinstance(obj, Mapping) and obj.get("kind") == "Profile":
                profile = dict(obj)
            else:
                _add(pool, obj, source="--profile-file")
        if profile is None:
            raise click.BadParameter("no Profile in the file", param_hint="--profile-file")
    inputs = offline.Inputs(
        params_file=options.single_mapping(params_file, option="--params") or {},
        pool=pool,
        object_ref=options.object_ref(object_ref),
        object=options.single_mapping(object_file, option="--object-file"),
        pods=options.pods(pod),
        pvcs=options.pvcs(pvc),
        options=dict(options.pairs(option, option="--option", separator="KEY=VALUE")),
        secret_refs=options.refs(secret, option="--secret"),
        config_map_refs=options.refs(config_map, option="--config-map"),
        secret_data=options.dotted(secret_data, option="--secret-data", shape="REF.KEY=VALUE"),
        artifacts=options.dotted(artifact, option="--artifact", shape="NAME.KEY=VALUE"),
        profile=profile,
        outputs=options.dotted(outputs, option="--outputs", shape="PHASE.KEY=VALUE"),
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
    # Known before assembling, so even an early failure's message is masked.
    secrets: list[bytes | str] = [*pool.secret_values()]
    secrets.extend(value for data in inputs.secret_data.values() for value in data.values())
    try:
        state = offline.assemble(inputs, now=dt.datetime.now(dt.UTC))
        secrets.extend(state.secrets)
        dry_run = dryrun.DryRun(found=found, action_name=action_name, state=state)
        document = dry_run.run(with_artifacts=bool(state.outputs))
    except objects.OfflineError as error:
        document, problems = None, [str(error)]
    else:
        problems = dry_run.problems
    mask: Callable[[Any], Any] = _unmasked if show_secrets else masking.Masker(secrets)
    if problems or document is None:
        _fail([mask(p) for p in problems], summary=f"{len(problems)} rendering problem(s).")
    click.echo(dryrun.dump_yaml(dryrun.masked(document, mask)), nl=False)


def _add(pool: objects.Pool, obj: Any, *, source: str) -> None:
    if not isinstance(obj, Mapping):
        raise click.BadParameter("expected Kubernetes objects", param_hint=source)
    try:
        pool.add(obj, source=source)
    except objects.OfflineError as error:
        raise click.BadParameter(str(error), param_hint=source) from None


def _unmasked(value: Any) -> Any:
    return value
