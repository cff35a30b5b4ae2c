"""Objects the real control plane needs once its API server answers, created as the admin.

- A default StorageClass whose claims the local provisioner (`provisioner.py`) serves with a
  directory under the data dir, bound at once (`Immediate`), as kind's `standard` class does.
- The provisioner's RBAC: it lists and watches claims and volumes, creates and deletes volumes.

Both are applied idempotently (created, or left as they are) at every start.
"""

from __future__ import annotations

import contextlib
from typing import Any

from kes.devcluster import httpapi, store_errors
from kes.devcluster.controlplane import pki as pki_mod

STORAGE_CLASS = "standard"
PROVISIONER = "kes.dev/local-path"

_OBJECTS: list[tuple[httpapi.ResourceKey, dict[str, Any]]] = [
    (("storage.k8s.io", "v1", "storageclasses"), {
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": STORAGE_CLASS, "annotations": {
            "storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": PROVISIONER, "reclaimPolicy": "Delete",
        "volumeBindingMode": "Immediate",
    }),
    (("rbac.authorization.k8s.io", "v1", "clusterroles"), {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "kes:local-provisioner"},
        "rules": [
            {"apiGroups": [""], "resources": ["persistentvolumes"],
             "verbs": ["get", "list", "watch", "create", "delete"]},
            {"apiGroups": [""], "resources": ["persistentvolumeclaims"],
             "verbs": ["get", "list", "watch"]},
            {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"],
             "verbs": ["get", "list", "watch"]},
            {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        ],
    }),
    (("rbac.authorization.k8s.io", "v1", "clusterrolebindings"), {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "kes:local-provisioner"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                    "name": "kes:local-provisioner"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                      "name": pki_mod.PROVISIONER_USER}],
    }),
]


async def apply(admin: httpapi.HttpApi) -> None:
    for key, obj in _OBJECTS:
        with contextlib.suppress(store_errors.AlreadyExistsError):
            await admin.create(key, obj)
