#!/usr/bin/env bash
# Build the real Kubernetes control plane (kube-apiserver, kube-controller-manager,
# kube-scheduler) and etcd from their Go modules into the project's tools dir, once per input.
#
#   scripts/k8s-tools.sh OUTPUT_DIR KUBERNETES_VERSION ETCD_VERSION
#
# Why a wrapper module (tools/k8s) and not scripts/go-tool.sh: k8s.io/kubernetes requires its
# staging modules (k8s.io/api, k8s.io/apiserver, ...) at v0.0.0 and resolves them with `replace`
# lines pointing into its own repository, which a module download does not contain. Our wrapper
# module carries one `replace` per staging module pinned to the matching release (v1.37.2 →
# v0.37.2), lists the three commands as `tool` lines and has a one-line etcd main calling etcd's
# own entry point at the version Kubernetes pins (go.etcd.io/etcd/server/v3). Its go.sum decides
# every dependency (-mod=readonly).
#
# The version variables are what Kubernetes' own build sets (hack/lib/version.sh), so
# `kubectl version` reports the server's release. A build from a module has no git checkout:
# gitTreeState is "archive" (as for a source tarball), gitCommit is left empty rather than
# invented, and buildDate is the release's commit time from the module proxy (reproducible).
# A stamp records the inputs; a second run with the same inputs builds nothing, and a changed
# input rebuilds from Go's build cache.
set -euo pipefail

out=$1 k8s_version=$2 etcd_version=$3
mkdir -p "$out" && out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
module_dir="$here/tools/k8s"
programs=(kube-apiserver kube-controller-manager kube-scheduler etcd)

for pin in "k8s.io/kubernetes $k8s_version" "go.etcd.io/etcd/server/v3 $etcd_version"; do
    if ! grep -qE "^[[:space:]]*(require )?${pin//./\\.}( |$)" "$module_dir/go.mod"; then
        echo "k8s-tools: tools/k8s/go.mod does not pin $pin (tools/versions.mk);" \
             "run \`make k8s-module\` to rewrite it." >&2
        exit 1
    fi
done

major=${k8s_version#v}; major=${major%%.*}
minor=${k8s_version#v*.}; minor=${minor%%.*}
flags() {
    local date=$1 f=""
    for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
        f+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
        f+=" -X $pkg.gitTreeState=archive -X $pkg.buildDate=$date"
    done
    printf '%s' "-s -w$f"
}

inputs=$(cd "$module_dir" && cat go.mod go.sum etcd/main.go | sha256sum | cut -d' ' -f1)
stamp="$out/kubernetes.version"
want="kubernetes@$k8s_version etcd@$etcd_version inputs=$inputs $(flags DATE)"
complete=1
for program in "${programs[@]}"; do [ -x "$out/$program" ] || complete=0; done
if [ "$complete" = 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
command -v go >/dev/null || { echo "k8s-tools: Go is not installed; it is needed to build Kubernetes." >&2; exit 1; }

cd "$module_dir"
export GOFLAGS=-mod=readonly
date=$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
tmp=$(mktemp -d "$out/.k8s-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
echo "Building Kubernetes $k8s_version (kube-apiserver, kube-controller-manager, kube-scheduler) and etcd $etcd_version into $out"
start=$(date +%s)
nice go build -trimpath -ldflags "$(flags "$date")" -o "$tmp/" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler ./etcd
for program in "${programs[@]}"; do mv "$tmp/$program" "$out/$program"; done
printf '%s\n' "$want" > "$stamp"
echo "Built the control plane in $(( $(date +%s) - start )) s."
