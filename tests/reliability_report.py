"""The figures of docs/reliability.md: tests record rows, the session writes them as JSON.

A reliability test calls `record(section, row)` with what it tried and what held. With
`KES_RELIABILITY_REPORT=FILE` in the environment (`make reliability` sets it) the session writes
every recorded row to FILE when it ends, with the setting (`full` or `small`), the date and the
commit; `python tests/reliability_report.py FILE docs/reliability.md` (the last step of `make
reliability`) renders that file as the document, one table per section. Without the variable rows
are only kept in memory, and the tests' own assertions decide pass or fail.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

REPORT_ENV = "KES_RELIABILITY_REPORT"
_ROWS: dict[str, list[dict[str, Any]]] = {}
_LOCK = threading.Lock()
ROOT = Path(__file__).resolve().parent.parent


def record(section: str, row: dict[str, Any]) -> None:
    with _LOCK:
        _ROWS.setdefault(section, []).append(row)


def rows(section: str) -> list[dict[str, Any]]:
    with _LOCK:
        return list(_ROWS.get(section, []))


def _commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT, check=False)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, cwd=ROOT, check=False)
    commit = result.stdout.strip() or "unknown"
    return f"{commit}+changes" if dirty.stdout.strip() else commit


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get(REPORT_ENV)
    if not target or not _ROWS:
        return
    document = {
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": _commit(),
        "setting": "full" if os.environ.get("KES_RELIABILITY") == "full" else "small",
        "exitstatus": int(exitstatus),
        "sections": _ROWS,
    }
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, default=str) + "\n")


# --- docs/reliability.md from the JSON file ---------------------------------------------------

# Section key -> (title, what was tried). Sections not named here are rendered after, by key.
SECTIONS = {
    "crash-actionset-summary": (
        "Crash matrix: ActionSet", "A Blueprint of KubeTask, KubeExec, BackupData (restic), "
        "ScaleWorkload and a KubeTask deferPhase; the controller SIGKILLed at each event "
        "boundary (before/after each append, status write and Kubernetes Event write), "
        "restarted, and the run checked: terminal, `kes history --verify`, no phase completed "
        "or run twice unless idempotent, CR status == replayed status, Events exactly the "
        "log's, no pod left, no secret in the store, logs, status, Events or history."),
    "crash-actionset": ("Crash matrix: ActionSet, each boundary", ""),
    "crash-repositoryserver-summary": (
        "Crash matrix: RepositoryServer", "Set-up and deletion of a kopia repository server; "
        "the controller SIGKILLed at each boundary, restarted; Ready, history verified, no step "
        "twice, one kopia server, status == replayed, no Event duplicated; a deletion recorded "
        "once, its pod and Service gone."),
    "crash-repositoryserver": ("Crash matrix: RepositoryServer, each boundary", ""),
    "store-faults": ("Store faults", "The event store damaged or taken away under a running "
                     "controller: it refuses with a clear message or recovers to the last "
                     "committed event; never a silent loss."),
    "api-faults": ("API faults", "ActionSets run through `kes dev up --faults SPEC`'s proxy, "
                   "per profile: all terminal, status consistent with the log, no Event "
                   "duplicated, no pod left."),
    "tamper": ("Tamper", "Events edited, deleted, reordered, inserted and cut directly in the "
               "store's table; `kes history --verify` (with `--anchor` for a cut tail) must "
               "name the first bad event."),
    "secrets": ("Secret scans", "Secret values searched for, plain, base64, URL-encoded and "
                "hex, after runs that used them."),
    "fuzz": ("Bad input", "hypothesis strategies and attack corpora through validation, "
             "rendering and admission."),
}


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "**NO**"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value) or "-"
    if isinstance(value, float):
        value = f"{value:.1f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(rows: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return lines


def render(document: dict[str, Any]) -> str:
    """The markdown of docs/reliability.md."""
    sections: dict[str, list[dict[str, Any]]] = document["sections"]
    lines = [
        "# Reliability: what was tried, what held",
        "",
        "Generated by `make reliability` (the full setting; `make test` runs a small one) on "
        f"{document['generated']} at commit `{document['commit']}`, setting "
        f"**{document['setting']}**, pytest exit status {document['exitstatus']}. The tests "
        "are in tests/chaos (crashes, store and API faults, secrets, tamper) and the hypothesis "
        "suites; `tests/reliability_report.py` writes this file from their rows.",
    ]
    if document.get("note"):
        lines += ["", f"Note: {document['note']}"]
    order = [k for k in SECTIONS if k in sections] + sorted(k for k in sections
                                                              if k not in SECTIONS)
    for key in order:
        title, tried = SECTIONS.get(key, (key, ""))
        lines += ["", f"## {title}", ""]
        if tried:
            lines += [tried, ""]
        lines += _table(sections[key])
    return "\n".join(lines) + "\n"


def merged(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs' files as one (sections joined; the first run's date and commit)."""
    first = dict(documents[0])
    first["sections"] = {}
    first["exitstatus"] = max(int(d["exitstatus"]) for d in documents)
    for document in documents:
        for key, rows in document["sections"].items():
            first["sections"].setdefault(key, []).extend(rows)
    return first


def main(argv: list[str]) -> int:
    """`REPORT.json [REPORT.json ...] OUT.md`: every file's rows in one document."""
    if len(argv) < 3:
        print("usage: python tests/reliability_report.py REPORT.json [...] OUT.md",
              file=sys.stderr)
        return 2
    sources = [Path(a) for a in argv[1:-1]]
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        print(f"{', '.join(missing)} not written: no reliability test recorded a row.",
              file=sys.stderr)
        return 1
    document = merged([json.loads(s.read_text()) for s in sources])
    document["note"] = os.environ.get("KES_RELIABILITY_NOTE", "")  # how this run differed
    Path(argv[-1]).write_text(render(document))
    print(f"Wrote {argv[-1]}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
