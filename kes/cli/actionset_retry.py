"""`kes actionset retry NAME`: continue a failed run from the phase that failed.

Kanister has no retry (a failed ActionSet is terminal; re-running means a new one that starts
over). kes records every phase's output, so a retry can start where the run failed: it creates
a new ActionSet, `NAME-retry-N`, annotated with its parent, that the controller plans from the
parent's log (`kes.domain.planning.retry_plan`): the phases that completed are not run again,
their recorded outputs are reused, and the deferPhase runs once at the end. The checks here are
the controller's own, made early so a refusal comes back at once.
"""

from __future__ import annotations

import functools
from typing import Any

import click

from kes import application
from kes.adapters.k8s import client, customresources, errors, objects
from kes.cli import actionset_inspect, actionset_kube
from kes.controller import reconciling
from kes.domain import actionset, planning, resources, validation

MAX_NAME = 253


def _parent(
    app: application.KesApplication, *, namespace: str, name: str
) -> actionset.ActionSetRun:
    run_id = app.run_for(namespace, name)
    if run_id is None:
        raise click.ClickException(
            f'No ActionSet "{name}" in namespace "{namespace}" is recorded in the event log.'
        )
    return app.run(run_id)


def _current_plans(
    api: client.Api, parent: actionset.ActionSetRun
) -> list[actionset.ActionPlan]:
    """Plans from the Blueprints as they are now (`--with-current-blueprint`)."""
    parsed = resources.parse_object({
        "apiVersion": "cr.kanister.io/v1alpha1", "kind": "ActionSet",
        "metadata": {"name": parent.name, "namespace": parent.namespace},
        "spec": parent.spec,
    })
    assert isinstance(parsed, resources.ActionSet) and parsed.spec is not None
    plans = []
    for action in parsed.spec.actions:
        try:
            found = customresources.get(api, resource="blueprints", namespace=parent.namespace,
                                        name=action.blueprint)
        except errors.ApiError as exc:
            raise click.ClickException(f"Failed to query blueprint: {exc}") from None
        blueprint = resources.parse_object(found)
        assert isinstance(blueprint, resources.Blueprint)
        try:
            blueprint_action = validation.resolve_action(spec=action, blueprint=blueprint)
            plans.append(planning.action_plan(
                action=action, blueprint=blueprint, blueprint_action=blueprint_action,
                secret_args=functools.partial(_secret_args, version=action.preferred_version),
            ))
        except (validation.ActionResolutionError, planning.PlanError) as exc:
            raise click.ClickException(str(exc)) from None
    return plans


def _secret_args(function: str, *, version: str) -> tuple[str, ...]:
    return reconciling.secret_args(function, version)


def _child(
    parent: actionset.ActionSetRun, *, name: str, from_phase: str | None, current: bool
) -> dict[str, Any]:
    annotations = {planning.RETRY_OF: parent.name, planning.RETRY_OF_UID: parent.uid}
    if from_phase:
        annotations[planning.RETRY_FROM_PHASE] = from_phase
    if current:
        annotations[planning.RETRY_WITH_CURRENT_BLUEPRINT] = "true"
    return {
        "apiVersion": f"{customresources.GROUP}/{customresources.VERSION}",
        "kind": "ActionSet",
        "metadata": {"name": name, "namespace": parent.namespace, "annotations": annotations},
        "spec": parent.spec,
    }


def _name(parent: str, number: int) -> str:
    suffix = f"-retry-{number}"
    return parent[: MAX_NAME - len(suffix)] + suffix


@click.command("retry")
@click.argument("name")
@actionset_kube.connection_options
@click.option("--store", envvar="KES_STORE", default=None,
              help="Event log: a file path or postgresql:// URL [default: .kes/store.sqlite3].")
@click.option("--from-phase", default=None, metavar="PHASE",
              help="Start at PHASE (at or before the phase that failed) instead.")
@click.option("--with-current-blueprint", is_flag=True,
              help="Run the phases still to run from the Blueprint as it is now, not from the "
                   "failed run's recorded plan.")
def retry(**options: Any) -> None:
    """Retry failed ActionSet NAME from its failed phase, reusing the outputs before it."""
    name, namespace = options["name"], actionset_kube.namespace_of(options)
    app = actionset_inspect.open_log(options["store"])
    if app is None:
        raise click.ClickException(
            "A retry continues a run recorded in the event log, and there is none here: set "
            "KES_STORE or pass --store."
        )
    api = actionset_kube.connect(kubeconfig=options["kubeconfig"], context=options["context"])
    try:
        parent = _parent(app, namespace=namespace, name=name)
        current = _current_plans(api, parent) if options["with_current_blueprint"] else None
        try:
            _plans, origin = planning.retry_plan(
                parent, from_phase=options["from_phase"], current=current
            )
        except planning.RetryRefusedError as exc:
            raise click.ClickException(str(exc)) from None
        number = len(app.retries_of(parent.id)) + 1
        created = None
        while created is None:
            body = _child(parent, name=_name(name, number), from_phase=options["from_phase"],
                          current=options["with_current_blueprint"])
            try:
                created = objects.request(
                    api, method="POST", body=body,
                    url_path=objects.path(group=customresources.GROUP,
                                          version=customresources.VERSION,
                                          resource="actionsets", namespace=namespace),
                )
            except errors.ApiConflictError:
                number += 1  # a retry of that name exists already (or did): take the next
            except errors.ApiError as exc:
                raise click.ClickException(str(exc)) from None
    finally:
        api.close()
        app.close()
    starts = ", ".join(s or "its deferPhase" for s in origin.start_phases)
    reused = ", ".join(r.phase_name for r in origin.reused) or "none"
    click.echo(f"actionset {created['metadata']['name']} created: retry of {name} from "
               f"{starts} (outputs reused: {reused})")
