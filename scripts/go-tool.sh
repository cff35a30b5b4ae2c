#!/usr/bin/env bash
# Build one Go program from its published module into the project's tools dir, once per version.
#
#   scripts/go-tool.sh MODULE VERSION PACKAGE OUTPUT [LDFLAGS]
#   e.g. scripts/go-tool.sh github.com/restic/restic v0.16.5 ./cmd/restic .tools/bin/restic
#
# Why not `go install MODULE/PACKAGE@VERSION`: it refuses modules whose go.mod has `replace`
# lines (restic's does), and it asks the proxy for the module's version list to look for a
# deprecation notice, which some proxies refuse (kopia's). So the module is downloaded at the
# pinned version (checked against the checksum database as `go install` would) and built in
# its own directory with its own go.mod and go.sum, which is what `go install` builds too.
# A stamp next to the binary records what was built; a second run with the same inputs does
# nothing, and a rebuild after a version bump reuses Go's build cache.
set -euo pipefail

module=$1 version=$2 package=$3 output=$4 ldflags=${5:-"-s -w"}
stamp="$output.version"
want="$module@$version $package $ldflags"

if [ -x "$output" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
command -v go >/dev/null || { echo "go-tool: Go is not installed; it is needed to build $module." >&2; exit 1; }

dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "go-tool: could not download $module@$version." >&2; exit 1; }

mkdir -p "$(dirname "$output")"
output_abs=$(cd "$(dirname "$output")" && pwd)/$(basename "$output")
echo "Building $module@$version ($package) into $output"
# GOFLAGS=-mod=readonly: the module's own go.sum decides every dependency, nothing is updated.
(cd "$dir" && GOFLAGS=-mod=readonly nice go build -trimpath -ldflags "$ldflags" -o "$output_abs.tmp" "$package")
mv "$output_abs.tmp" "$output_abs"
printf '%s\n' "$want" > "$stamp"
