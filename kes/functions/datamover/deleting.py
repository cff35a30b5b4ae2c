"""Forgetting snapshots, and pruning: what DeleteData and DeleteDataAll share (`deleteData`).

The snapshots are forgotten one by one from a `delete-data-*` pod; tags are first turned into
the short id of their snapshot, as Kanister does (`snapshots --tag T --json`, first entry).
"""

from __future__ import annotations

from typing import Any

from kes.functions import base
from kes.functions.datamover import arguments, repositories, toolpods

OUTPUT = "spaceFreed"


def check_lists(*, prefixes: list[str], ids: list[str], tags: list[str]) -> None:
    if bool(ids) == bool(tags):
        raise base.ArgumentError("Require one argument: backupID or backupTag")
    named = ids or tags
    if len(named) > len(prefixes):
        which = "backupID" if ids else "backupTag"
        raise base.ArgumentError(
            f"{which} lists {len(named)} snapshots but backupArtifactPrefix only "
            f"{len(prefixes)} prefixes: give one prefix per snapshot, in the same order"
        )


def delete(
    ctx: base.PhaseContext,
    parsed: arguments.PodArgs,
    *,
    namespace: str,
    image: str,
    prefixes: list[str],
    ids: list[str],
    tags: list[str],
    reclaim_space: bool,
    generate_name: str,
    function: str,
) -> dict[str, Any]:
    """Kanister's `deleteData`, for the n-th snapshot in the n-th repository of `prefixes`."""
    key = arguments.encryption_key(parsed, function=function)
    arguments.check_profile(ctx)
    check_lists(prefixes=prefixes, ids=ids, tags=tags)
    repos = [arguments.repository(ctx, prefix, resolve=False) for prefix in prefixes]
    freed = 0
    with toolpods.tool_pod(
        ctx, namespace=namespace, image=image or arguments.tools_image(),
        generate_name=generate_name, parsed=parsed,
    ) as target:  # fmt: skip
        sessions = [
            repositories.Session(
                ctx=ctx,
                target=target,
                repository=repo,
                password=key,
                insecure_tls=arguments.insecure_tls(parsed, repo),
            )
            for repo in repos
        ]
        resolved = list(ids)
        for index, tag in enumerate(tags):
            resolved.append(repositories.snapshot_id_of_tag(sessions[index], tag=tag))
        for index, snapshot in enumerate(resolved):
            repositories.forget(sessions[index], snapshot_id=snapshot)
            if reclaim_space:
                freed += repositories.prune(sessions[index])
    return {OUTPUT: f"{freed} B"}
