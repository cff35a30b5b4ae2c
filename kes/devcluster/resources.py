"""The registry of served resources: the built-in kinds plus one entry per CRD version.

Handlers resolve a URL's (group, version, plural) here; discovery and OpenAPI are generated from
it. A CRD starts being served the moment the store commits it: the registry listens to the
store's changes and updates itself in the same loop tick.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from kes.devcluster import store

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
CRD_KEY: store.ResourceKey = ("apiextensions.k8s.io", "v1", "customresourcedefinitions")


@dataclasses.dataclass(frozen=True)
class Resource:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    crd: dict[str, Any] | None = dataclasses.field(default=None, compare=False, hash=False)

    @property
    def key(self) -> store.ResourceKey:
        """Where the objects are stored; events.k8s.io Events are the core/v1 ones."""
        if (self.group, self.plural) == ("events.k8s.io", "events"):
            return ("", "v1", "events")
        return (self.group, self.version, self.plural)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def builtin(self) -> bool:
        return self.crd is None

    def printer_columns(self) -> list[dict[str, Any]] | None:
        if self.crd is None:
            return None
        for version in self.crd.get("spec", {}).get("versions", []):
            if version.get("name") == self.version:
                columns = version.get("additionalPrinterColumns")
                return list(columns) if columns else None
        return None

    def schema(self) -> dict[str, Any] | None:
        if self.crd is None:
            return None
        for version in self.crd.get("spec", {}).get("versions", []):
            if version.get("name") == self.version:
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                return dict(schema) if schema else None
        return None


def _r(group: str, plural: str, kind: str, *, namespaced: bool = True, short: tuple[str, ...] = (),
       cats: tuple[str, ...] = (), subs: tuple[str, ...] = (), version: str = "v1",
       verbs: tuple[str, ...] = ALL_VERBS) -> Resource:
    return Resource(group=group, version=version, plural=plural, singular=kind.lower(), kind=kind,
                    namespaced=namespaced, short_names=short, categories=cats, subresources=subs,
                    verbs=verbs)


BUILTINS: tuple[Resource, ...] = (
    _r("", "namespaces", "Namespace", namespaced=False, short=("ns",), subs=("status",)),
    _r("", "pods", "Pod", short=("po",), cats=("all",), subs=("status", "log", "exec")),
    _r("", "services", "Service", short=("svc",), cats=("all",), subs=("status",)),
    _r("", "secrets", "Secret"),
    _r("", "configmaps", "ConfigMap", short=("cm",)),
    _r("", "serviceaccounts", "ServiceAccount", short=("sa",)),
    _r("", "persistentvolumeclaims", "PersistentVolumeClaim", short=("pvc",), subs=("status",)),
    _r("", "persistentvolumes", "PersistentVolume", namespaced=False, short=("pv",),
       subs=("status",)),
    _r("", "events", "Event", short=("ev",)),
    _r("", "endpoints", "Endpoints", short=("ep",)),
    _r("", "nodes", "Node", namespaced=False, short=("no",), subs=("status",)),
    _r("apps", "deployments", "Deployment", short=("deploy",), cats=("all",),
       subs=("status", "scale")),
    _r("apps", "replicasets", "ReplicaSet", short=("rs",), cats=("all",),
       subs=("status", "scale")),
    _r("apps", "statefulsets", "StatefulSet", short=("sts",), cats=("all",),
       subs=("status", "scale")),
    _r("apps", "daemonsets", "DaemonSet", short=("ds",), cats=("all",), subs=("status",)),
    _r("batch", "jobs", "Job", cats=("all",), subs=("status",)),
    _r("events.k8s.io", "events", "Event", short=("ev",)),
    _r("coordination.k8s.io", "leases", "Lease"),
    _r("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition",
       namespaced=False, short=("crd", "crds"), subs=("status",)),
    _r("rbac.authorization.k8s.io", "roles", "Role"),
    _r("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", namespaced=False),
    _r("rbac.authorization.k8s.io", "rolebindings", "RoleBinding"),
    _r("rbac.authorization.k8s.io", "clusterrolebindings", "ClusterRoleBinding",
       namespaced=False),
    _r("storage.k8s.io", "storageclasses", "StorageClass", namespaced=False, short=("sc",)),
    _r("admissionregistration.k8s.io", "validatingwebhookconfigurations",
       "ValidatingWebhookConfiguration", namespaced=False),
    _r("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview",
       namespaced=False, verbs=("create",)),
    _r("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview",
       namespaced=False, verbs=("create",)),
)


def crd_resources(crd: dict[str, Any]) -> list[Resource]:
    """One Resource per served version of a CRD."""
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    out = []
    for version in spec.get("versions", []):
        if not version.get("served", True):
            continue
        subs = tuple(sorted((version.get("subresources") or {}).keys()))
        out.append(Resource(
            group=spec.get("group", ""),
            version=version.get("name", ""),
            plural=names.get("plural", ""),
            singular=names.get("singular") or names.get("kind", "").lower(),
            kind=names.get("kind", ""),
            namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            subresources=subs,
            crd=crd,
        ))
    return out


class Registry:
    def __init__(self) -> None:
        self._builtin = {(r.group, r.version, r.plural): r for r in BUILTINS}
        self._crds: dict[str, list[Resource]] = {}  # CRD name -> its served versions

    def attach(self, db: store.Store) -> None:
        """Load the CRDs already stored and follow later changes."""
        items, _, _ = db.list_sync(CRD_KEY)
        for crd in items:
            self._crds[crd["metadata"]["name"]] = crd_resources(crd)
        db.add_listener(self._on_change)
        db.has_status_subresource = self.has_status_subresource

    def _on_change(
        self, key: store.ResourceKey, event: store.WatchEvent, old: dict[str, Any] | None
    ) -> None:
        if (key[0], key[2]) != (CRD_KEY[0], CRD_KEY[2]):
            return
        name = event.object["metadata"]["name"]
        if event.type == "DELETED":
            self._crds.pop(name, None)
        else:
            self._crds[name] = crd_resources(event.object)

    def all(self) -> list[Resource]:
        out = list(self._builtin.values())
        for versions in self._crds.values():
            out.extend(versions)
        return out

    def lookup(self, *, group: str, version: str, plural: str) -> Resource | None:
        found = self._builtin.get((group, version, plural))
        if found is not None:
            return found
        for versions in self._crds.values():
            for r in versions:
                if (r.group, r.version, r.plural) == (group, version, plural):
                    return r
        return None

    def has_status_subresource(self, key: store.ResourceKey) -> bool:
        for r in self.all():
            if (r.group, r.plural) == (key[0], key[2]):
                return "status" in r.subresources
        return True

    def group_versions(self) -> dict[str, list[str]]:
        """group -> versions in preference order (CRD storage/first version first)."""
        groups: dict[str, list[str]] = {}
        for r in self.all():
            versions = groups.setdefault(r.group, [])
            if r.version not in versions:
                versions.append(r.version)
        return groups
