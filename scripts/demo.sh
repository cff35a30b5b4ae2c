#!/usr/bin/env bash
# `make demo`: the main job of kes on its embedded defaults, on one machine.
#   local cluster (kes dev) → controller → the time-log application and Blueprint →
#   backup ActionSet (restic BackupData) → the log is destroyed → restore ActionSet made from the
#   backup's artifacts (kanctl's --from; restic RestoreData) → delete ActionSet (DeleteData) →
#   status, Events, history.
# The restic repository is a filestore Profile: a directory under .kes/demo. That needs no
# object-store server (moto would add a process and seconds to the demo); the e2e tests run the
# same Blueprint against moto S3.
# Everything it starts is stopped at the end, unless KEEP=1 (then it prints how to stop it).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
BIN="$(pwd)/$VENV/bin"
WORK=.kes/demo
EXAMPLES=examples/time-log
export PATH="$BIN:$PATH"                      # pods run their commands here: `kando`, `restic`
REPOSITORY="$(pwd)/$WORK/repository"          # the filestore Profile's directory
export KES_STORE="$WORK/store.sqlite3"
export KUBECONFIG="$(pwd)/$WORK/cluster/kubeconfig"
CONTROLLER_PID=""

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\n\033[31mdemo failed: %s\033[0m\n' "$*" >&2; [ -f "$WORK/controller.log" ] && tail -n 30 "$WORK/controller.log" >&2; exit 1; }

cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        printf '\nLeft running. Stop with:\n  kill %s; %s/kes dev down --data-dir %s/cluster\n' \
            "$CONTROLLER_PID" "$BIN" "$WORK"
        return
    fi
    [ -n "$CONTROLLER_PID" ] && kill "$CONTROLLER_PID" 2>/dev/null && wait "$CONTROLLER_PID" 2>/dev/null
    kes dev down --data-dir "$WORK/cluster" >/dev/null 2>&1 || true
}
trap cleanup EXIT

wait_state() {  # wait_state NAME STATE — until .status.state is STATE (or failed)
    local state=""
    for _ in $(seq 1 600); do
        state=$(kubectl get actionset "$1" -n time-log -o jsonpath='{.status.state}' 2>/dev/null || true)
        [ "$state" = "$2" ] && return 0
        [ "$state" = failed ] && fail "ActionSet $1 failed: $(kubectl get actionset "$1" -n time-log -o jsonpath='{.status.error.message}')"
        sleep 0.2
    done
    fail "ActionSet $1 did not reach $2 (state: ${state:-none})"
}

step "Starting the local cluster (kes dev up)"
rm -rf "$WORK"
mkdir -p "$WORK"
kes dev up --data-dir "$WORK/cluster" --port 0 || fail "kes dev up"

step "Starting the controller (kes controller run)"
HEALTH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
kes controller run --health-port "$HEALTH_PORT" >"$WORK/controller.log" 2>&1 &
CONTROLLER_PID=$!
ready() { python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$HEALTH_PORT/readyz" >/dev/null 2>&1; }
for _ in $(seq 1 300); do
    ready && break
    kill -0 "$CONTROLLER_PID" 2>/dev/null || fail "the controller exited"
    sleep 0.2
done
ready || fail "the controller is not ready"
echo "ready (log: $WORK/controller.log)"

step "Applying the time-log application, its restic repository Profile and its Blueprint"
kubectl apply -f "$EXAMPLES/app.yaml"
sed "s|/tmp/kes-time-log-repository|$REPOSITORY|" "$EXAMPLES/repository.yaml" | kubectl apply -f -
kubectl apply -f "$EXAMPLES/blueprint.yaml"
kubectl rollout status deployment/time-logger -n time-log --timeout=60s
sleep 2  # let the application write a few lines worth backing up

step "Backing up with restic (ActionSet backup-time-log: BackupData)"
kubectl apply -f "$EXAMPLES/backup-actionset.yaml"
wait_state backup-time-log complete
BACKUP_ID=$(kubectl get actionset backup-time-log -n time-log \
    -o jsonpath='{.status.actions[0].artifacts.timeLog.keyValue.backupID}')
echo "snapshot $BACKUP_ID in $REPOSITORY/time-log"
echo "phase outputs: $(kubectl get actionset backup-time-log -n time-log \
    -o jsonpath='{.status.actions[0].phases[0].output}')"

step "Destroying the log"
POD=$(kubectl get pods -n time-log -l app=time-logger -o jsonpath='{.items[0].metadata.name}')
kubectl exec -n time-log "$POD" -- sh -c 'rm /time-log/time.log; echo "lost" > /time-log/time.log'
kubectl exec -n time-log "$POD" -- head -n 3 /time-log/time.log

step "Restoring from the backup's artifacts (kes actionset create --from backup-time-log)"
kes actionset create --namespace time-log --action restore --from backup-time-log \
    --profile time-log/time-log-repository \
    --name restore-time-log
wait_state restore-time-log complete
kubectl rollout status deployment/time-logger -n time-log --timeout=60s
POD=$(kubectl get pods -n time-log -l app=time-logger --field-selector=status.phase=Running \
    -o jsonpath='{.items[0].metadata.name}')
echo "restored log begins:"
kubectl exec -n time-log "$POD" -- head -n 3 /time-log/time.log

step "Deleting the snapshot from the repository (ActionSet delete-time-log: DeleteData)"
kes actionset create --namespace time-log --action delete --from backup-time-log \
    --profile time-log/time-log-repository \
    --name delete-time-log
wait_state delete-time-log complete
echo "space freed: $(kubectl get actionset delete-time-log -n time-log \
    -o jsonpath='{.status.actions[0].phases[0].output.spaceFreed}')"

step "kubectl get actionsets"
kubectl get actionsets -n time-log

step "Kubernetes Events of the backup"
kubectl get events -n time-log --field-selector involvedObject.name=backup-time-log \
    --sort-by=.metadata.name

step "kes history actionset backup-time-log -n time-log"
kes history actionset backup-time-log -n time-log
kes history actionset backup-time-log -n time-log --verify

printf '\n\033[32mdemo complete\033[0m\n'
