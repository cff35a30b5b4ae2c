"""Wait/WaitV2 condition evaluation speed, without the API call: evaluations per second.

Each Wait poll substitutes `{$.path}` placeholders with kubectl JSONPath output and executes the
result as a Go template; WaitV2 executes a Go template against the object. This measures both
on a pod-sized object, warm caches, so the figure says how much of a poll is kes's own work
(an API GET on the devcluster takes about a millisecond).
Run: ``python benchmarks/bench_wait.py [--smoke]``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from kes.adapters.k8s import jsonpath
from kes.domain import templates
from kes.functions import waiting

POD: dict[str, Any] = {
    "metadata": {
        "name": "db-0",
        "namespace": "prod",
        "labels": {f"l{i}": str(i) for i in range(20)},
    },
    "spec": {"containers": [{"name": f"c{i}", "image": "busybox"} for i in range(3)]},
    "status": {
        "phase": "Running",
        "conditions": [
            {"type": t, "status": "True"}
            for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
        ],
    },
}
WAIT = (
    '{{ if and (eq "{$.status.phase}" "Running") '
    '(eq "{$.status.conditions[?(@.type==\'Ready\')].status}" "True") }}true{{ end }}'
)
WAITV2 = (
    "{{ range .status.conditions }}"
    '{{ if and (eq .type "ContainersReady") (eq .status "True") }}true{{ end }}{{ end }}'
)


def _rate(work: Any, seconds: float = 1.0) -> float:
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(100):
            work()
        count += 100
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="a few hundredths of a second per figure: proves the script runs")
    seconds = 0.05 if parser.parse_args().smoke else 1.0

    def wait_eval() -> None:
        resolved = waiting.resolve_jsonpath(POD, WAIT)
        assert templates.render(resolved, None, missing_key="zero").strip() == "true"

    def waitv2_eval() -> None:
        assert templates.render(WAITV2, POD, missing_key="zero").strip() == "true"

    def jsonpath_only() -> None:
        jsonpath.execute("{.status.conditions[?(@.type=='Ready')].status}", POD)

    print(f"JSONPath filter:       {_rate(jsonpath_only, seconds):>10,.0f} evaluations/s")
    print(f"Wait condition:        {_rate(wait_eval, seconds):>10,.0f} evaluations/s")
    print(f"WaitV2 condition:      {_rate(waitv2_eval, seconds):>10,.0f} evaluations/s")


if __name__ == "__main__":
    main()
