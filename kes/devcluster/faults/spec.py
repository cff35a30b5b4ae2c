"""What the fault-injecting proxy does wrong, and how often: a profile parsed from a SPEC string,
plus targeted rules for tests that need one fault at one exact request.

A SPEC is a comma-separated list of `name=value` (`kes dev up --faults SPEC`):

    conflict=0.2      a share of writes (POST, PUT, PATCH) answered 409 Conflict, not forwarded
    unavailable=0.05  a share of requests starts a burst of 1-3 answered 500 or 503; half of the
                      writes hit are forwarded first (the server did it, the answer is lost)
    watch-cut=0.1     a share of watch and log-follow streams cut mid-stream (mid-event)
    gone=0.05         a share of watches resumed from a resourceVersion answered 410 Expired
    hang=0.01         a share of requests never answered (half forwarded first)
    latency=50ms      added to every request (Go durations: 50ms, 1s, 1.5s; bare numbers are s)
    seed=7            the random generator's seed, for a run that can be repeated

Pure: no I/O. The proxy asks `Profile` and `Rule` what to do with each request.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

SHARES = ("conflict", "unavailable", "watch-cut", "gone", "hang")
# Faults a targeted rule can name: the random profile's, split by whether the request is
# forwarded first, plus 429.
RULE_FAULTS = (
    "conflict",
    "already-exists",
    "unavailable",
    "unavailable-after",
    "too-many-requests",
    "hang",
    "hang-after",
    "cut",
    "gone",
)
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


class SpecError(ValueError):
    """A SPEC or rule the proxy cannot use; the message says which part and why."""


@dataclass(frozen=True)
class Profile:
    conflict: float = 0.0
    unavailable: float = 0.0
    watch_cut: float = 0.0
    gone: float = 0.0
    hang: float = 0.0
    latency_s: float = 0.0
    seed: int | None = None

    def describe(self) -> str:
        parts = [f"{name}={getattr(self, name.replace('-', '_')):g}" for name in SHARES
                 if getattr(self, name.replace("-", "_"))]
        if self.latency_s:
            parts.append(f"latency={self.latency_s * 1000:g}ms")
        if self.seed is not None:
            parts.append(f"seed={self.seed}")
        return ",".join(parts) or "none"


def parse_duration(text: str) -> float:
    match = _DURATION.match(text.strip())
    if match is None:
        raise SpecError(f'"{text}" is not a duration (e.g. 50ms, 1s, 0.5).')
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(text: str) -> Profile:
    """The profile of a SPEC string; `SpecError` names the first bad part."""
    values: dict[str, Any] = {}
    for raw in (part.strip() for part in text.split(",")):
        if not raw:
            continue
        name, sep, value = raw.partition("=")
        name = name.strip()
        if not sep:
            raise SpecError(f'"{raw}" is not name=value (e.g. conflict=0.2).')
        if name in SHARES:
            try:
                share = float(value)
            except ValueError:
                raise SpecError(f'{name}: "{value}" is not a number between 0 and 1.') from None
            if not 0.0 <= share <= 1.0:
                raise SpecError(f'{name}: "{value}" is not a number between 0 and 1.')
            values[name.replace("-", "_")] = share
        elif name == "latency":
            values["latency_s"] = parse_duration(value)
        elif name == "seed":
            try:
                values["seed"] = int(value)
            except ValueError:
                raise SpecError(f'seed: "{value}" is not an integer.') from None
        else:
            known = ", ".join([*SHARES, "latency", "seed"])
            raise SpecError(f'Unknown fault "{name}" (known: {known}).')
    return Profile(**values)


@dataclass
class Rule:
    """One targeted fault: the next `times` requests matching `method` and the `path` regex
    (after `skip` matching ones pass) get `fault`."""

    fault: str
    path: str = ""
    method: str = ""
    times: int = 1
    skip: int = 0
    watch: bool | None = None  # None: any request; True: only watches/follows; False: no stream
    pattern: re.Pattern[str] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.fault not in RULE_FAULTS:
            raise SpecError(f'Unknown rule fault "{self.fault}" (known: {", ".join(RULE_FAULTS)}).')
        try:
            self.pattern = re.compile(self.path)
        except re.error as exc:
            raise SpecError(f'path: "{self.path}" is not a regular expression: {exc}') from None
        self.method = self.method.upper()

    def matches(self, *, method: str, path: str, streaming: bool) -> bool:
        if self.times <= 0:
            return False
        if self.method and self.method != method:
            return False
        if self.watch is not None and self.watch != streaming:
            return False
        return self.pattern.search(path) is not None

    def take(self) -> bool:
        """Count one matching request; True when this one gets the fault."""
        if self.skip > 0:
            self.skip -= 1
            return False
        self.times -= 1
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"fault": self.fault, "path": self.path, "method": self.method,
                "times": self.times, "skip": self.skip, "watch": self.watch}


def rule_from(data: Any) -> Rule:
    if not isinstance(data, dict):
        raise SpecError("A rule is a JSON object with at least a fault.")
    allowed = {"fault", "path", "method", "times", "skip", "watch"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SpecError(f"Unknown rule fields: {', '.join(unknown)}.")
    try:
        return Rule(
            fault=str(data.get("fault", "")),
            path=str(data.get("path", "")),
            method=str(data.get("method", "")),
            times=int(data.get("times", 1)),
            skip=int(data.get("skip", 0)),
            watch=None if data.get("watch") is None else bool(data["watch"]),
        )
    except (TypeError, ValueError) as exc:
        raise SpecError(f"A rule's times and skip are integers: {exc}") from None
