"""Replay a trace of API requests against a cluster, and compare two replays' answers.

A trace is what the stand-in writes with KES_DEVCLUSTER_TRACE (kes/devcluster/tracing.py): one
JSON line per request. `replay` sends the requests again, in order, to a fresh cluster as its
admin, rewriting what the first server made up and the requests quote: resourceVersions, uids
and names made from `generateName`, learnt by walking the traced answer and the new answer side
by side. Watches, exec and followed logs are not replayed (they are streams). `compare` pairs
two replays request by request and sorts each difference into a class: a different status
code, or a body that differs in some fields, once uids, timestamps, resourceVersions, managed
fields and generated name suffixes are set aside. Discovery and OpenAPI documents are compared
by status only (the real server serves many more groups, on purpose).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
_DROPPED_META = {"uid", "resourceVersion", "creationTimestamp", "managedFields", "selfLink",
                 "generation"}
# Values each server makes up its own way: identities, allocations, a runtime's container ids.
_ARBITRARY = {"uid", "resourceVersion", "continue", "containerID", "imageID", "clusterIP",
              "clusterIPs"}
_STREAM_SUFFIXES = ("/exec", "/attach", "/portforward")


@dataclass
class Answer:
    method: str
    path: str
    status: int | None  # None: not replayed (a stream)
    body: Any = None


@dataclass
class Replayer:
    """Sends traced requests to one cluster (a devcluster_harness.DevCluster)."""

    cluster: Any
    versions: dict[str, str] = field(default_factory=dict)
    uids: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def replay(self, entries: Iterable[dict[str, Any]]) -> Iterator[Answer]:
        for entry in entries:
            yield self.send(entry)

    def send(self, entry: dict[str, Any]) -> Answer:
        method, path = entry["method"], entry["path"]
        if is_stream(entry):
            return Answer(method, path, None)
        path = self._path(path)
        headers = {k: v for k, v in entry.get("headers", {}).items()
                   if k in ("Content-Type", "Accept")}
        if "Accept" in headers:  # answers are compared as JSON (the stand-in speaks no other)
            kept = [a for a in headers["Accept"].split(",") if "protobuf" not in a]
            headers["Accept"] = ",".join(kept) or "application/json"
        body = entry.get("body") or {}
        raw = None
        if "json" in body:
            raw = json.dumps(self._rewrite(body["json"])).encode()
        elif "base64" in body:
            import base64

            raw = base64.b64decode(body["base64"])
        code, answer = self.cluster.request(method, path, raw=raw, headers=headers)
        traced = (entry.get("answer") or {}).get("json")
        if traced is not None and isinstance(answer, dict):
            self._learn(traced, answer)
        # Names this server made up are told back as the traced ones, so that two replays
        # compare equal where only their generated names differ.
        inverse = {new: old for old, new in self.names.items()}
        return Answer(method, entry["path"], code, _renamed(answer, inverse))

    def _path(self, path: str) -> str:
        parts = urlsplit(path)
        segments = [self.names.get(s, s) for s in parts.path.split("/")]
        query = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key == "resourceVersion" and value not in ("", "0"):
                if value not in self.versions:
                    continue  # an exact version of the other server: ask for the latest
                value = self.versions[value]
            query.append((key, self.names.get(value, value) if key == "fieldSelector" else value))
        text = "/".join(segments)
        return text + ("?" + urlencode(query) if query else "")

    def _rewrite(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: self._rewrite(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._rewrite(v, key) for v in value]
        if isinstance(value, str):
            if key == "resourceVersion":
                return self.versions.get(value, value)
            if key == "uid":
                return self.uids.get(value, value)
            if key == "name":
                return self.names.get(value, value)
        return value

    def _learn(self, traced: Any, answer: Any) -> None:
        if isinstance(traced, dict) and isinstance(answer, dict):
            old, new = traced.get("metadata"), answer.get("metadata")
            if isinstance(old, dict) and isinstance(new, dict):
                for key, table in (("resourceVersion", self.versions), ("uid", self.uids)):
                    if old.get(key) and new.get(key):
                        table[str(old[key])] = str(new[key])
                if old.get("generateName") and old.get("name") and new.get("name"):
                    self.names[str(old["name"])] = str(new["name"])
            old_items, new_items = traced.get("items"), answer.get("items")
            if isinstance(old_items, list) and isinstance(new_items, list):
                by_name = {_ident(i): i for i in new_items if isinstance(i, dict)}
                for item in old_items:
                    if isinstance(item, dict) and _ident(item, self.names) in by_name:
                        self._learn(item, by_name[_ident(item, self.names)])


def _renamed(value: Any, names: dict[str, str]) -> Any:
    if not names:
        return value
    if isinstance(value, dict):
        return {k: _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, str):
        return names.get(value, value)
    return value


def _ident(obj: dict[str, Any], names: dict[str, str] | None = None) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    name = str(meta.get("name", ""))
    return str(meta.get("namespace", "")), (names or {}).get(name, name)


def is_stream(entry: dict[str, Any]) -> bool:
    path = entry["path"]
    query = dict(parse_qsl(urlsplit(path).query))
    return (query.get("watch") in ("true", "1") or "Upgrade" in entry.get("headers", {})
            or urlsplit(path).path.endswith(_STREAM_SUFFIXES)
            or (urlsplit(path).path.endswith("/log") and query.get("follow") == "true"))


def read_trace(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# --- comparison ------------------------------------------------------------------------------


def template(method: str, path: str) -> str:
    """`GET /api/v1/namespaces/{ns}/pods/{name}/log`: the request without its names."""
    parts = urlsplit(path).path.strip("/").split("/")
    head = 2 if parts[:1] == ["api"] else 3 if parts[:1] == ["apis"] else len(parts)
    prefix, rest = parts[:head], parts[head:]
    if rest[:1] == ["namespaces"] and len(rest) >= 3:
        prefix, rest = [*prefix, "namespaces", "{ns}"], rest[2:]
    if len(rest) >= 2:
        rest = [rest[0], "{name}", *rest[2:]]
    return f"{method} /{'/'.join([*prefix, *rest])}"


def _ages_set_aside(table: dict[str, Any]) -> dict[str, Any]:
    """A Table's Age cells ("3s") as "<age>": they say when the answer was given, like a
    timestamp, and two replays answer at different moments."""
    columns = [c.get("name") for c in table.get("columnDefinitions") or []]
    ages = {i for i, name in enumerate(columns) if name == "Age"}
    rows = [{**row, "cells": ["<age>" if i in ages else cell
                              for i, cell in enumerate(row.get("cells") or [])]}
            for row in table.get("rows") or []]
    return {**table, "rows": rows}


def normalize(value: Any, key: str = "") -> Any:
    """A body with what differs by construction set aside (see the module docstring)."""
    if isinstance(value, dict) and value.get("kind") == "Table" and value.get("rows"):
        value = _ages_set_aside(value)
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if key == "metadata" and k in _DROPPED_META:
                continue
            if k in _ARBITRARY or k.endswith("Timestamp"):
                continue
            out[k] = normalize(v, k)
        meta = value.get("metadata")
        if isinstance(meta, dict) and meta.get("generateName") and "metadata" in out:
            out["metadata"] = {**out["metadata"], "name": f"{meta['generateName']}*"}
        if isinstance(out.get("items"), list):
            out["items"] = sorted(out["items"], key=lambda i: json.dumps(i, sort_keys=True))
        return out
    if isinstance(value, list):
        return [normalize(v, key) for v in value]
    if isinstance(value, str) and _TIME.match(value):
        return "<time>"
    return value


def differing_fields(a: Any, b: Any, prefix: str = "") -> list[str]:
    """The paths where two normalized bodies differ (list items compared in order)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[str] = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f"{prefix}.{key}" + ("(kes only)" if key in a else "(k8s only)"))
            else:
                out.extend(differing_fields(a[key], b[key], f"{prefix}.{key}"))
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{prefix}[] length"]
        out = []
        for x, y in zip(a, b, strict=True):
            out.extend(differing_fields(x, y, f"{prefix}[]"))
        return sorted(set(out))
    return [] if a == b else [prefix or "."]


def _calls_the_traced_webhook(answer: Answer) -> bool:
    return answer.status == 500 and isinstance(answer.body, dict) and str(
        answer.body.get("message", "")).startswith("Internal error occurred: failed calling "
                                                   "webhook")


def _by_status_only(path: str) -> bool:
    """Discovery and OpenAPI: documents about everything the server serves."""
    parts = urlsplit(path).path.strip("/").split("/")
    return (parts[0] in ("openapi", "version", "livez", "readyz", "healthz")
            or parts in (["api"], ["apis"]) or (parts[0] == "api" and len(parts) == 2)
            or (parts[0] == "apis" and len(parts) <= 3))


def compare(
    kes: list[Answer], kubernetes: list[Answer],
    examples: dict[tuple[str, str], tuple[Answer, Answer]] | None = None,
) -> Counter[tuple[str, str]]:
    """Difference classes (request template, what differs) and how often each occurred;
    `examples` gets the first pair of answers of each class."""
    classes: Counter[tuple[str, str]] = Counter()
    found = examples if examples is not None else {}
    for left, right in zip(kes, kubernetes, strict=True):
        if left.status is None:
            continue
        where = template(left.method, left.path)
        if _calls_the_traced_webhook(left) and _calls_the_traced_webhook(right):
            continue  # the traced run's webhook server is not part of a replay
        if left.status != right.status:
            key = (where, f"status {left.status} (kes) vs {right.status} (k8s)")
            classes[key] += 1
            found.setdefault(key, (left, right))
            continue
        if _by_status_only(left.path):
            continue
        fields = differing_fields(normalize(left.body), normalize(right.body))
        if fields:
            shown = ", ".join(fields[:4]) + (f" (+{len(fields) - 4})" if len(fields) > 4 else "")
            classes[(where, f"body: {shown}")] += 1
            found.setdefault((where, f"body: {shown}"), (left, right))
    return classes
