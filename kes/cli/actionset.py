"""`kes actionset create|cancel|describe`: kanctl's way of starting ActionSets, and a look at one.

`create` takes kanctl's flags and messages (the spec itself is built by
`kes.domain.actionsets`); this module does what needs the cluster: listing objects by selector,
the pre-create verification, reading the `--from` parent and creating the object. `cancel` and
`describe` live in `kes.cli.actionset_inspect`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from kes.adapters.k8s import client, customresources, errors, objects
from kes.cli import actionset_inspect, actionset_kube, actionset_retry
from kes.domain import actionsets, yamltext

_SELECTOR_RESOURCES = {
    actionsets.DEPLOYMENT: ("apps", "v1", "deployments", "deployments"),
    actionsets.DEPLOYMENTCONFIG: ("apps.openshift.io", "v1", "deploymentconfigs",
                                  "deploymentconfig"),
    actionsets.STATEFULSET: ("apps", "v1", "statefulsets", "statefulsets"),
    actionsets.PVC: ("", "v1", "persistentvolumeclaims", "pvcs"),
}


def select_objects(
    api: client.Api, *, selector: str, kind: str, namespace: str, found: actionsets.ObjectList
) -> None:
    """Add the objects matching `--selector` (and `--kind`, `--selector-namespace`) to `found`."""
    for each in actionsets.selector_kinds(kind):
        if each == actionsets.NAMESPACE:
            try:
                items = objects.list_objects(api, group="", version="v1", resource="namespaces",
                                             label_selector=selector)
            except errors.ApiError:
                raise actionsets.KanctlError(
                    f"failed to get namespaces using selector '{selector}' '"
                ) from None
            for item in items:
                name = item["metadata"]["name"]
                found.add_typed(kind=each, namespace=name, name=name)
            continue
        group, version, resource, _noun = _SELECTOR_RESOURCES[each]
        try:
            items = objects.list_objects(api, group=group, version=version, resource=resource,
                                         namespace=namespace, label_selector=selector)
        except errors.ApiError as exc:
            if isinstance(exc, errors.ApiNotFoundError) and each == actionsets.DEPLOYMENTCONFIG \
                    and kind == actionsets.SELECTOR_ALL:
                continue  # not an OpenShift cluster: `all` means the kinds it has
            message = _selector_failure(each, selector=selector, namespace=namespace, error=exc)
            raise actionsets.KanctlError(message) from None
        for item in items:
            meta = item["metadata"]
            found.add_typed(kind=each, namespace=meta.get("namespace", ""), name=meta["name"])


def _selector_failure(kind: str, *, selector: str, namespace: str, error: Exception) -> str:
    if kind == actionsets.DEPLOYMENTCONFIG:  # kanctl words (and wraps) this one differently
        return (f"failed to get deploymentconfig using select '{selector}' in namespaces "
                f"'{namespace}': {error}")
    noun = _SELECTOR_RESOURCES[kind][3]
    return f"failed to get {noun} using selector '{selector}' in namespace '{namespace}'"


def verify(api: client.Api, request: actionsets.Request) -> None:
    """kanctl's pre-create verification: print every missing object, then fail once."""
    problems = []
    for check in actionsets.resource_checks(request):
        if (error := _missing(api, check)) is not None:
            problems.append(check.message(error))
    for check in actionsets.object_checks(request.objects):
        if (error := _missing(api, check)) is not None:
            problems.append(check.message(error))
            break  # kanctl reports the first missing object only
    if problems:
        click.echo("\n".join(problems))
        raise click.ClickException(actionsets.VERIFICATION_FAILED)


def _missing(api: client.Api, check: actionsets.Check) -> str | None:
    try:
        objects.get(api, group=check.group, version=check.version, resource=check.resource,
                    namespace=check.namespace, name=check.name)
    except errors.ApiError as exc:
        return str(exc)
    return None


def _multi(*names: str, help_text: str) -> Callable[[Any], Any]:
    return click.option(*names, multiple=True, metavar="LIST", help=help_text)


@click.group("actionset")
def actionset() -> None:
    """Create, cancel, describe and retry ActionSets (kanctl's `create actionset`, and more)."""


@actionset.command("create")
@actionset_kube.connection_options
@click.option("-a", "--action", default="", help="Blueprint action to run.")
@click.option("-A", "--name", default="", help="Name of the ActionSet [default: generated].")
@click.option("-b", "--blueprint", default="", help="Blueprint of the actions.")
@_multi("-c", "--config-maps", help_text="ref=namespace/name,...")
@_multi("-s", "--secrets", help_text="ref=namespace/name,...")
@_multi("-d", "--deployment", help_text="namespace/name,...")
@_multi("-t", "--statefulset", help_text="namespace/name,...")
@_multi("-D", "--deploymentconfig", help_text="namespace/name,... (OpenShift)")
@_multi("-v", "--pvc", help_text="namespace/name,...")
@_multi("-T", "--namespacetargets", help_text="namespace,...")
@_multi("-O", "--objects", help_text="group/version/resource/namespace/name,...")
@click.option("-l", "--selector", default="", help="Label selector of the objects.")
@click.option("-k", "--kind", default="all", show_default=True,
              help="Kind the selector applies to: all, deployment, deploymentconfig, "
                   "statefulset, pvc or namespace.")
@click.option("--selector-namespace", default="", help="Namespace the selector applies to.")
@_multi("-o", "--options", help_text="key=value,...")
@click.option("-p", "--profile", default="", help="Profile: [namespace/]name.")
@click.option("-r", "--repository-server", default="", help="RepositoryServer: namespace/name.")
@click.option("-f", "--from", "parent", default="", help="A complete ActionSet to follow.")
@click.option("--labels", default="", help="Labels of the ActionSet: key=value,...")
@_multi("--podlabels", help_text="Labels of the pods functions create: key=value,...")
@_multi("--podannotations", help_text="Annotations of the pods functions create: key=value,...")
@click.option("--dry-run", is_flag=True, help="Print the ActionSet as YAML; create nothing.")
@click.option("--skip-validation", is_flag=True, help="Skip the pre-create verification.")
def create(**flags: Any) -> None:
    """Create an ActionSet, or one that follows a complete <parent> ActionSet (--from)."""
    namespace = flags["namespace"] or actionset_kube.context_namespace(
        kubeconfig=flags["kubeconfig"], context=flags["context"]
    )
    api = actionset_kube.connect(kubeconfig=flags["kubeconfig"], context=flags["context"])
    try:
        document = _build(api, namespace=namespace, flags=flags)
        if flags["dry_run"]:
            click.echo(yamltext.dump(document), nl=False)
            return
        created = objects.request(
            api, method="POST", body=document,
            url_path=objects.path(group=customresources.GROUP, version=customresources.VERSION,
                                  resource="actionsets", namespace=namespace),
        )
    except actionsets.KanctlError as exc:
        raise click.ClickException(str(exc)) from None
    except errors.ApiError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        api.close()
    click.echo(f"actionset {created['metadata']['name']} created")


def _build(api: client.Api, *, namespace: str, flags: dict[str, Any]) -> dict[str, Any]:
    found = actionsets.ObjectList()
    found.add_typed_flags({
        actionsets.DEPLOYMENT: flags["deployment"],
        actionsets.STATEFULSET: flags["statefulset"],
        actionsets.DEPLOYMENTCONFIG: flags["deploymentconfig"],
        actionsets.PVC: flags["pvc"],
        actionsets.NAMESPACE: flags["namespacetargets"],
    })
    found.add_generic_flags(flags["objects"])
    if flags["selector"]:
        select_objects(api, selector=flags["selector"], kind=flags["kind"],
                       namespace=flags["selector_namespace"], found=found)
    request = actionsets.Request(
        namespace=namespace,
        action=flags["action"],
        name=flags["name"],
        parent=flags["parent"],
        blueprint=flags["blueprint"],
        objects=tuple(found.items),
        options=actionsets.parse_options(flags["options"]),
        profile=actionsets.parse_profile(flags["profile"], namespace=namespace),
        repository_server=actionsets.parse_repository_server(flags["repository_server"]),
        secrets=actionsets.parse_references(flags["secrets"], what="secrets"),
        config_maps=actionsets.parse_references(flags["config_maps"], what="config maps"),
        labels=actionsets.parse_labels(flags["labels"]),
        pod_labels=actionsets.parse_pod_metadata(flags["podlabels"], labels=True),
        pod_annotations=actionsets.parse_pod_metadata(flags["podannotations"], labels=False),
    )
    if not flags["skip_validation"]:
        verify(api, request)
    if request.profile is None and request.repository_server is None:
        # kanctl prints this to stdout; stderr keeps `--dry-run` output valid YAML.
        click.echo(f"Warning: {actionsets.NO_DATA_MOVER}", err=True)
    if request.parent:
        parent = customresources.get(api, resource="actionsets", namespace=namespace,
                                     name=request.parent)
        return actionsets.child_actionset(parent, request)
    return actionsets.new_actionset(request)


actionset.add_command(actionset_inspect.cancel)
actionset.add_command(actionset_inspect.describe)
actionset.add_command(actionset_retry.retry)
