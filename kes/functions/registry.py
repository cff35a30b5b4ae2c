"""The name → function table, with Kanister's lookup rules and messages (reference 1.1).

Modules that run a function are listed explicitly (no import-time registration side effects);
every other Kanister function comes from `catalog`, known by name and args but not runnable yet.
Lookup: version "" or `v0.0.0` → the default; another version → that exact one, else a fallback
to `v0.0.0`; an unknown name → `Requested function {X} has not been registered`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kes.functions import (
    backupdata,
    backupdataall,
    backupdatastats,
    backupdatausingkopiaserver,
    base,
    catalog,
    checkrepository,
    copyvolumedata,
    deletedata,
    deletedataall,
    deletedatausingkopiaserver,
    kubeexec,
    kubeexecall,
    kubeops,
    kubetask,
    locationdelete,
    multicontainerrun,
    preparedata,
    restoredata,
    restoredataall,
    restoredatausingkopiaserver,
    scaleworkload,
    wait,
    waitv2,
)

# One line per implemented function module; the catalog lists the rest.
IMPLEMENTED: tuple[base.FunctionSpec, ...] = (
    kubetask.SPEC,
    kubeexec.SPEC,
    kubeexecall.SPEC,
    scaleworkload.SPEC,
    multicontainerrun.SPEC,
    preparedata.SPEC,
    kubeops.SPEC,
    wait.SPEC,
    waitv2.SPEC,
    locationdelete.SPEC,
    backupdata.SPEC,
    backupdataall.SPEC,
    restoredata.SPEC,
    restoredataall.SPEC,
    deletedata.SPEC,
    deletedataall.SPEC,
    copyvolumedata.SPEC,
    backupdatastats.SPEC,
    checkrepository.SPEC,
    backupdatausingkopiaserver.SPEC,
    restoredatausingkopiaserver.SPEC,
    deletedatausingkopiaserver.SPEC,
)

# Functions Kanister exempts from pre-rendering (`skipRenderFuncs`): they render their own args.
SKIP_RENDER: frozenset[str] = frozenset({wait.NAME, waitv2.NAME})

_SEMVER = re.compile(
    r"v?(?P<major>0|[1-9]\d*)(?:\.(?P<minor>0|[1-9]\d*))?(?:\.(?P<patch>0|[1-9]\d*))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<meta>[0-9A-Za-z.-]+))?"
)


def _build() -> dict[str, dict[tuple[int, int, int, str], base.FunctionSpec]]:
    table: dict[str, dict[tuple[int, int, int, str], base.FunctionSpec]] = {}
    implemented = {spec.name for spec in IMPLEMENTED}
    specs = IMPLEMENTED + tuple(s for s in catalog.SPECS if s.name not in implemented)
    for spec in specs:
        table.setdefault(spec.name, {})[parse_version(spec.version)] = spec
    return table


def parse_version(version: str) -> tuple[int, int, int, str]:
    """Masterminds/semver v1 parsing (`v` prefix, missing minor/patch are 0)."""
    match = _SEMVER.fullmatch(version)
    if match is None:
        raise base.FunctionError(
            f"Failed to parse phase version {version}: Invalid Semantic Version"
        )
    return (
        int(match["major"]),
        int(match["minor"] or 0),
        int(match["patch"] or 0),
        match["pre"] or "",
    )


_DEFAULT = parse_version(base.DEFAULT_VERSION)
_TABLE = _build()


def lookup(name: str, version: str = "") -> base.FunctionSpec:
    """The spec to run for `name` at `version` (Kanister's `regFuncVersion`)."""
    wanted = parse_version(version or base.DEFAULT_VERSION)
    versions = _TABLE.get(name)
    if versions is None:
        raise base.FunctionNotFoundError(f"Requested function {{{name}}} has not been registered")
    if wanted in versions:
        return versions[wanted]
    if _DEFAULT in versions:
        return versions[_DEFAULT]
    raise base.FunctionNotFoundError(
        f"Requested function {{{name}}} has not been registered with version {{{version}}}"
    )


def all_specs() -> list[base.FunctionSpec]:
    """Every known function (runnable or not), sorted by name then version."""
    return sorted(
        (spec for versions in _TABLE.values() for spec in versions.values()),
        key=lambda s: (s.name, parse_version(s.version)),
    )


def renders_own_args(spec: base.FunctionSpec) -> bool:
    """True for Wait/WaitV2: the executor passes their args unrendered."""
    return spec.name in SKIP_RENDER


def is_idempotent(spec: base.FunctionSpec, args: Mapping[str, Any] | None) -> bool:
    """Whether a phase may be re-run after a restart: the spec's flag, or for KubeOps the
    operation (`delete` may be redone, `create`/`patch` may not)."""
    if spec.idempotent:
        return True
    if spec.name == kubeops.NAME and spec.run is not None:
        return kubeops.is_idempotent(dict(args or {}))
    return False
