"""The checks every chaos test makes of a run once it is over, whatever was done to it.

The run ended (complete, or failed because a phase was interrupted and not idempotent); its
history verifies; no phase completed twice, and none ran twice (seen from its own side effect,
a line per run in a file) unless it may be run again; its CR status equals the status replayed
from the log; its Kubernetes Events are exactly those the log calls for (none duplicated, none
missing); no pod of its phases is left; no form of a secret it used can be read anywhere.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import urllib.parse
from collections import Counter
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import chaos_harness as ch

from kes import application
from kes.projections import kubeevents


def run_problems(
    kube: ch.Kube, *, namespace: str, name: str, store: str,
    runs_of: Callable[[str], int] | None = None, phases: Collection[str] = (),
    reruns: Collection[str] = (), end_timeout: float = 180, interrupted_ok: bool = True,
) -> tuple[str, list[str]]:
    """(final state, problems found); an empty list is a run that held. `runs_of(phase)` is how
    many times the phase's command ran (its side effect); `reruns` may run once per attempt."""
    try:
        obj = ch.wait_for(lambda: kube.ended("actionset", name, namespace),
                          timeout=end_timeout, what=f"ActionSet {namespace}/{name} to end")
    except AssertionError:
        current = kube.get("actionset", name, namespace) or {}
        state = str((current.get("status") or {}).get("state", ""))
        return state, [f"not terminal after {end_timeout:g} s (state {state or 'none'})"]
    state = str(obj["status"]["state"])
    problems: list[str] = []
    if ch.history("actionset", name, namespace, "--verify", store=store).returncode != 0:
        problems.append("kes history --verify failed")
    app = application.KesApplication(store=store, create=False)
    try:
        run_id = app.find(kind="actionset", namespace=namespace, name=name)
        if run_id is None:
            return state, [*problems, "the run is not in the log"]
        events = app.events_of(run_id)
        replayed = app.status(run_id)
        expected = expected_events(app, run_id)
    finally:
        app.close()
    kinds = [type(e).__name__ for e in events]
    completed = Counter(e.phase_name for e, k in zip(events, kinds, strict=True)
                        if k == "PhaseCompleted")
    twice = sorted(p for p, n in completed.items() if n > 1)
    if twice:
        problems.append(f"completed twice: {', '.join(twice)}")
    for phase in phases if runs_of is not None else ():
        assert runs_of is not None
        runs = runs_of(phase)
        started = sum(1 for e, k in zip(events, kinds, strict=True)
                      if k == "PhaseStarted" and e.phase_name == phase)
        limit = max(started, 1) if phase in reruns else 1
        if runs > limit:
            problems.append(f"{phase} ran {runs} times ({started} attempts recorded)")
    if state == "failed":
        error = str((obj["status"].get("error") or {}).get("message", ""))
        if not (interrupted_ok and "was interrupted" in error):
            problems.append(f"failed: {error[:200]}")
    if replayed != obj["status"]:
        problems.append("CR status differs from the status replayed from the log: "
                        + _diff(replayed, obj["status"]))
    # Events are written by one projection in log order, behind every other run's: under many
    # runs and faults it may trail a run's end by tens of seconds. Late is allowed; lost is not.
    try:
        ch.wait_for(lambda: ch.kube_events(kube, namespace, name, "ActionSet") == expected,
                    timeout=max(30.0, end_timeout / 3), what="the Kubernetes Events",
                    interval=0.3)
    except AssertionError:
        actual = ch.kube_events(kube, namespace, name, "ActionSet")
        extra, missing = actual - expected, expected - actual
        problems.append(f"Kubernetes Events: duplicated or extra {sorted(extra)}, "
                        f"missing {sorted(missing)}")
    uid = obj["metadata"]["uid"]
    try:
        ch.wait_for(lambda: not kube.items("pods", namespace, "-l", f"kes.io/run={uid}"),
                    timeout=30, what="the phase pods to go")
    except AssertionError:
        problems.append("pods of a phase left behind")
    return state, problems


def expected_events(app: application.KesApplication, run_id: Any) -> Counter[tuple[str, str]]:
    """The Events the log calls for on the ActionSet (each log entry's, once)."""
    run = app.run(run_id)
    wanted: Counter[tuple[str, str]] = Counter()
    for event in app.events_of(run_id):
        described = kubeevents.describe(event, run)
        if described is not None:
            wanted[(described.reason, described.message)] += 1
    return wanted


def _diff(left: dict[str, Any], right: dict[str, Any]) -> str:
    keys = sorted(k for k in set(left) | set(right) if left.get(k) != right.get(k))
    return "; ".join(f"{k}: {json.dumps(left.get(k))[:120]} != {json.dumps(right.get(k))[:120]}"
                     for k in keys)


def lines_in(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def encodings(secret: str) -> dict[str, bytes]:
    """The forms a secret could leak in: plain, base64 (both alphabets), URL-encoded, hex."""
    raw = secret.encode()
    return {"plain": raw, "base64": base64.b64encode(raw),
            "base64url": base64.urlsafe_b64encode(raw).rstrip(b"="),
            "url-encoded": urllib.parse.quote(secret, safe="").encode(),
            "hex": raw.hex().encode()}


def secret_leaks(secret: str, surfaces: dict[str, bytes]) -> list[str]:
    """`surface: form` for each place a form of `secret` appears in."""
    return [f"{surface}: {form}" for surface, text in surfaces.items()
            for form, needle in encodings(secret).items() if needle in text]


def run_surfaces(kube: ch.Kube, *, namespace: str, name: str, store: str,
                 log: Path) -> dict[str, bytes]:
    """Everything a user or an operator can read about a run, as bytes."""
    surfaces = {"controller log": log.read_bytes() if log.exists() else b""}
    for path in Path(store).parent.glob(Path(store).name + "*"):  # the file, its WAL and SHM
        surfaces[f"store {path.name}"] = path.read_bytes()
    obj = kube.get("actionset", name, namespace) or {}
    surfaces["CR status"] = json.dumps(obj.get("status") or {}).encode()
    surfaces["Kubernetes Events"] = kube.run("get", "events", "-n", namespace, "-o",
                                             "json").stdout.encode()
    for args in ((), ("--json",), ("--verify",)):
        result = ch.history("actionset", name, namespace, *args, store=store)
        surfaces[f"kes history {' '.join(args)}".strip()] = (result.stdout
                                                             + result.stderr).encode()
    return surfaces



class CommandLines:
    """Every process command line `ps` could show while it runs, sampled from /proc in a loop
    (pods of the local cluster are processes of this machine). A sample, not a proof: the restic
    functions' own test holds each restic process until it has been seen."""

    def __init__(self) -> None:
        self.seen: set[bytes] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            for entry in os.scandir("/proc"):
                if entry.name.isdigit():
                    with contextlib.suppress(OSError):
                        raw = Path(entry.path, "cmdline").read_bytes()
                        self.seen.add(raw.replace(b"\0", b" "))
            self._stop.wait(0.05)

    def stop(self) -> bytes:
        """Stop sampling (again is fine); everything seen, a line per command line."""
        self._stop.set()
        self._thread.join(timeout=10)
        return b"\n".join(sorted(self.seen))
