#!/usr/bin/env bash
# Rewrite the wrapper module tools/k8s/go.mod (and go.sum) for the versions in tools/versions.mk.
#
#   scripts/k8s-module.sh KUBERNETES_VERSION ETCD_VERSION     (`make k8s-module`)
#
# k8s.io/kubernetes vX.Y.Z replaces each of its staging modules with a directory of its own
# repository; the same modules are published on their own as v0.Y.Z. So our module gets one
# `replace` per staging module that Kubernetes' go.mod lists, pinned to v0.Y.Z, and etcd's
# server module at the version given (use the one Kubernetes' go.mod names). Run it after a
# version bump and commit the result; `make tools` only builds what this wrote.
set -euo pipefail

k8s_version=$1 etcd_version=$2
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here/tools/k8s"
staging_version="v0.${k8s_version#v1.}"

k8s_dir=$(go mod download -json "k8s.io/kubernetes@$k8s_version" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$k8s_dir" ] || { echo "k8s-module: could not download k8s.io/kubernetes@$k8s_version." >&2; exit 1; }
pinned_etcd=$(sed -n 's|^[[:space:]]*go.etcd.io/etcd/server/v3 \(v[^ ]*\).*|\1|p' "$k8s_dir/go.mod")
if [ -n "$pinned_etcd" ] && [ "$pinned_etcd" != "$etcd_version" ]; then
    echo "k8s-module: note: Kubernetes $k8s_version's go.mod names etcd $pinned_etcd, not $etcd_version." >&2
fi

{
    echo "module kestools/k8s"
    echo
    echo "go $(sed -n 's/^go \(.*\)/\1/p' "$k8s_dir/go.mod")"
    echo
    echo "tool ("
    for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
        printf '\tk8s.io/kubernetes/cmd/%s\n' "$cmd"
    done
    echo ")"
    echo
    echo "require ("
    printf '\tgo.etcd.io/etcd/server/v3 %s\n' "$etcd_version"
    printf '\tk8s.io/kubernetes %s\n' "$k8s_version"
    echo ")"
    echo
    echo "replace ("
    sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$k8s_dir/go.mod" \
        | while read -r module; do printf '\t%s => %s %s\n' "$module" "$module" "$staging_version"; done
    echo ")"
} > go.mod.new
mv go.mod.new go.mod
GOFLAGS= go mod tidy
echo "tools/k8s/go.mod now builds Kubernetes $k8s_version and etcd $etcd_version."
