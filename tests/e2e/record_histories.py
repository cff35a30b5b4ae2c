"""Record `kes history --json` exports of real runs, for `kes replay` and tests/fixtures/histories.

Each export made by one version of kes stays checked in for good, so every later version proves
it still replays them (upcasters included). Run it on a fresh checkout of the version whose
schema is to be kept, e.g.

    python tests/e2e/record_histories.py tests/fixtures/histories --prefix v1-

It starts a local cluster and a controller, runs a few ActionSets (success with outputs and
artifacts, a failed phase followed by the deferPhase, a failing deferPhase, a cancellation) and
writes, for each, `<prefix><name>.jsonl` (the export) and `<prefix><name>.status.json` (the
status `kes history --at` computed at export time, which `kes replay` compares with).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from builders import blueprint, kubetask  # noqa: E402
from devcluster_harness import start_devcluster, stop_devcluster  # noqa: E402
from e2e_harness import BIN, ControllerProcess, Kube, wait_for  # noqa: E402

NAMESPACE = "histories"


def _actionset(name: str, action: str) -> dict[str, Any]:
    return {
        "apiVersion": "cr.kanister.io/v1alpha1",
        "kind": "ActionSet",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"actions": [{
            "name": action,
            "blueprint": "recorded",
            "object": {"kind": "Namespace", "name": NAMESPACE, "namespace": NAMESPACE},
            "options": {"label": "nightly"},
        }]},
    }


BLUEPRINT = blueprint("recorded", NAMESPACE, {
    "backup": {
        "phases": [
            kubetask("dump", "kando output path /backups/{{ .Options.label }} && echo dumped"),
            kubetask("verify", "echo verified {{ .Phases.dump.Output.path }}"),
        ],
        "deferPhase": kubetask("tidy", "kando output tidied yes"),
        "outputArtifacts": {"dump": {"keyValue": {"path": "{{ .Phases.dump.Output.path }}"}}},
    },
    "broken": {
        "phases": [
            kubetask("first", "kando output step one"),
            kubetask("second", "echo about to fail; exit 3"),
            kubetask("never", "echo never"),
        ],
        "deferPhase": kubetask("tidy", "kando output tidied yes"),
    },
    "badcleanup": {
        "phases": [kubetask("work", "kando output done yes")],
        "deferPhase": kubetask("tidy", "echo cleanup broke; exit 4"),
    },
    "slow": {
        "phases": [kubetask("wait", "sleep 60")],
        "deferPhase": kubetask("tidy", "kando output tidied yes"),
    },
})


def _export(controller: ControllerProcess, name: str, out: Path) -> None:
    events = controller.history("actionset", name, "-n", NAMESPACE, "--json")
    assert events.returncode == 0, events.stderr
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    shown = controller.history("actionset", name, "-n", NAMESPACE, "--at", now)
    assert shown.returncode == 0, shown.stderr
    out.with_suffix(".jsonl").write_text(events.stdout)
    out.with_suffix(".status.json").write_text(
        json.dumps(json.loads(shown.stdout), indent=2, sort_keys=True) + "\n"
    )


def record(target: Path, prefix: str) -> None:
    os.environ["PATH"] = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        cluster = start_devcluster(work / "cluster")
        controller = ControllerProcess(
            kubeconfig=Path(cluster.kubeconfig), store=work / "store.sqlite3",
            log=work / "controller.log", extra=["--phase-timeout", "120s"],
        )
        try:
            kube = Kube(Path(cluster.kubeconfig))
            kube.apply([{"apiVersion": "v1", "kind": "Namespace",
                         "metadata": {"name": NAMESPACE}}])
            controller.start()  # it installs the CRDs
            kube.apply([BLUEPRINT])
            runs = {"success": "backup", "phase-failure": "broken",
                    "defer-failure": "badcleanup"}
            for name, action in runs.items():
                kube.apply([_actionset(name, action)])
            for name in runs:
                kube.wait_actionset(name, NAMESPACE)
            kube.apply([_actionset("cancelled", "slow")])

            def running() -> bool:
                obj = kube.get("actionset", "cancelled", NAMESPACE) or {}
                return bool(obj.get("status", {}).get("progress", {}).get("runningPhase"))

            wait_for(running, what="the slow phase to run")
            kube.run("delete", "actionset", "cancelled", "-n", NAMESPACE, "--wait=true")
            for name in [*runs, "cancelled"]:
                _export(controller, name, target / f"{prefix}{name}")
        finally:
            controller.stop()
            stop_devcluster(cluster)
    subprocess.run(["ls", "-l", str(target)], check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--prefix", default="v1-")
    options = parser.parse_args()
    record(options.target, options.prefix)


if __name__ == "__main__":
    main()
