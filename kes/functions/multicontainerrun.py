"""MultiContainerRun: a pod with a background and an output container sharing a volume.

Kanister `multi_container_run.go` (reference 1.2 #4): pod `kanister-job-*` with an emptyDir
volume `shared` (medium/sizeLimit from the args) mounted at `sharedVolumeDir` in every container;
containers `output` (first, the default container by annotation) and `background`, and an
init container `init` when `initImage` is set. The phase waits for the pod to complete and its
output is every `kando output` marker in the `output` container's log. An ActionSet-level
podOverride entry for container `container` applies to init/background/output unless the
override names them itself. Not idempotent: the commands may have side effects.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic

from kes.functions import args as args_decoding
from kes.functions import base, podrunning, podspec

NAME = "MultiContainerRun"
IDEMPOTENT = False
OUTPUTS: tuple[str, ...] = ()  # whatever the output container writes with `kando output`
OUTPUT, BACKGROUND, INIT = "output", "background", "init"
SHARED_VOLUME = "shared"
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"


class Args(args_decoding.ArgsModel):
    background_image: str = pydantic.Field(alias="backgroundImage")
    background_command: list[str] = pydantic.Field(alias="backgroundCommand")
    output_image: str = pydantic.Field(alias="outputImage")
    output_command: list[str] = pydantic.Field(alias="outputCommand")
    namespace: str = ""
    init_image: str = pydantic.Field(default="", alias="initImage")
    init_command: list[str] = pydantic.Field(default_factory=list, alias="initCommand")
    shared_volume_medium: str = pydantic.Field(default="", alias="sharedVolumeMedium")
    shared_volume_size_limit: str = pydantic.Field(default="", alias="sharedVolumeSizeLimit")
    # A path inside the pod, not on this machine.
    shared_volume_dir: str = pydantic.Field(default="/tmp/", alias="sharedVolumeDir")  # noqa: S108
    pod_override: dict[str, Any] | None = pydantic.Field(default=None, alias="podOverride")
    pod_labels: dict[str, str] | None = pydantic.Field(default=None, alias="podLabels")
    pod_annotations: dict[str, str] | None = pydantic.Field(default=None, alias="podAnnotations")


def _container(name: str, image: str, command: list[str], mount_dir: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "command": list(command),
        "imagePullPolicy": "IfNotPresent",
        "volumeMounts": [{"name": SHARED_VOLUME, "mountPath": mount_dir}],
    }


def _action_set_override(override: Any) -> dict[str, Any]:
    """Copy an entry for the default container `container` to each of this pod's containers."""
    if not isinstance(override, dict):
        return {}
    result = dict(override)
    for key, names in (("containers", (OUTPUT, BACKGROUND)), ("initContainers", (INIT,))):
        entries = [c for c in override.get("containers") or [] if isinstance(c, dict)]
        generic = next((c for c in entries if c.get("name") == podspec.DEFAULT_CONTAINER), None)
        own = [c for c in override.get(key) or [] if isinstance(c, dict)]
        if generic is None:
            continue
        present = {c.get("name") for c in own}
        copies = [{**generic, "name": n} for n in names if n not in present]
        kept = [c for c in own if c.get("name") != podspec.DEFAULT_CONTAINER]
        result[key] = kept + copies
    return result


def build(ctx: base.PhaseContext, parsed: Args) -> dict[str, Any]:
    """The pod body (labels, annotations, service account and overrides as Kanister)."""
    annotations = {DEFAULT_CONTAINER_ANNOTATION: OUTPUT, **dict(parsed.pod_annotations or {})}
    plain_ctx = dataclasses.replace(ctx, pod_override=None)
    pod = podrunning.job_pod(
        plain_ctx,
        namespace=parsed.namespace,
        image=parsed.output_image,
        command=parsed.output_command,
        pod_override=None,
        labels=parsed.pod_labels,
        annotations=annotations,
    )
    spec = pod["spec"]
    mount_dir = parsed.shared_volume_dir
    spec["containers"] = [
        _container(OUTPUT, parsed.output_image, parsed.output_command, mount_dir),
        _container(BACKGROUND, parsed.background_image, parsed.background_command, mount_dir),
    ]
    if parsed.init_image:
        spec["initContainers"] = [
            _container(INIT, parsed.init_image, parsed.init_command, mount_dir)
        ]
    empty_dir: dict[str, Any] = {}
    if parsed.shared_volume_medium:
        empty_dir["medium"] = parsed.shared_volume_medium
    if parsed.shared_volume_size_limit:
        empty_dir["sizeLimit"] = parsed.shared_volume_size_limit
    spec["volumes"] = [{"name": SHARED_VOLUME, "emptyDir": empty_dir}]
    try:
        override = podspec.merge_override(
            parsed.pod_override, _action_set_override(ctx.pod_override)
        )
        if override:
            spec = dict(podspec.strategic_merge(spec, override))
    except podspec.PodSpecError as exc:
        raise base.FunctionError(
            f"Failed to create pod. Failed to override pod specs.: {exc}"
        ) from None
    containers = spec.get("containers") or []
    if not isinstance(containers, list) or not all(isinstance(c, dict) for c in containers):
        raise base.FunctionError(
            "Failed to create pod. Failed to override pod specs.: "
            "json: cannot unmarshal into Go struct field PodSpec.containers"
        )
    containers = list(containers)
    containers.sort(key=lambda c: 0 if c.get("name") == OUTPUT else 1)
    spec["containers"] = containers
    pod["spec"] = spec
    return pod


@base.reports_progress
def run(ctx: base.PhaseContext, args: dict[str, Any]) -> dict[str, Any]:
    parsed = args_decoding.load(Args, args)
    return podrunning.run_pod(ctx, pod=build(ctx, parsed))


SPEC = base.FunctionSpec(
    name=NAME,
    required_args=("backgroundImage", "backgroundCommand", "outputImage", "outputCommand"),
    all_args=(
        "namespace", "backgroundImage", "backgroundCommand", "outputImage", "outputCommand",
        "initImage", "initCommand", "sharedVolumeMedium", "sharedVolumeSizeLimit",
        "sharedVolumeDir", "podOverride", "podLabels", "podAnnotations",
    ),
    idempotent=IDEMPOTENT,
    run=run,
    outputs=OUTPUTS,
    creates_pods=True,
)  # fmt: skip
