"""Which fault, if any, one request gets: targeted rules first, then the random profile.

Pure apart from the random generator it is given: the proxy describes each request (method,
path, whether it is a write, a watch, a log follow or a websocket upgrade) and gets a `Choice`
back, so the shares of a profile can be checked without a network.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from kes.devcluster.faults import spec

WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    watch: bool = False  # ?watch=1
    follow: bool = False  # a log stream with follow=true
    websocket: bool = False  # exec, attach, port-forward
    resumes: bool = False  # a watch from a resourceVersion other than "" and "0"

    @property
    def streaming(self) -> bool:
        return self.watch or self.follow

    @property
    def write(self) -> bool:
        return self.method in WRITES


@dataclass(frozen=True)
class Choice:
    """`fault` is a rule fault name (spec.RULE_FAULTS) or "" for none; `code` the HTTP status of
    an answered fault; `cut_after` how many bytes of a stream pass before it is cut."""

    fault: str = ""
    code: int = 0
    cut_after: int = 0
    cut_seconds: float = 0.0
    source: str = ""  # "rule" or "profile"


@dataclass
class Chooser:
    profile: spec.Profile
    rules: list[spec.Rule] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random)
    burst_left: int = 0

    @classmethod
    def of(cls, profile: spec.Profile) -> Chooser:
        return cls(profile=profile, rng=random.Random(profile.seed))  # noqa: S311 (not crypto)

    def choose(self, request: Request) -> Choice:
        for rule in self.rules:
            if rule.matches(method=request.method, path=request.path,
                            streaming=request.streaming) and rule.take():
                return self._answer(rule.fault, request, source="rule")
        return self._random(request)

    def _random(self, request: Request) -> Choice:
        p, rng = self.profile, self.rng
        if request.watch:
            if request.resumes and rng.random() < p.gone:
                return self._answer("gone", request, source="profile")
            if rng.random() < p.watch_cut:
                return self._answer("cut", request, source="profile")
            return Choice()
        if self.burst_left > 0:
            self.burst_left -= 1
            return self._unavailable(request)
        if rng.random() < p.unavailable:
            self.burst_left = rng.randint(0, 2)
            return self._unavailable(request)
        if request.follow:
            return self._answer("cut", request, source="profile") if rng.random() < p.watch_cut \
                else Choice()
        if request.websocket:
            return Choice()
        if rng.random() < p.hang:
            after = request.write and rng.random() < 0.5
            return self._answer("hang-after" if after else "hang", request, source="profile")
        if request.method in ("POST", "PUT", "PATCH") and rng.random() < p.conflict:
            return self._answer("conflict", request, source="profile")
        return Choice()

    def _unavailable(self, request: Request) -> Choice:
        # A lost answer only matters for a write (and a websocket upgrade is never forwarded).
        after = request.write and not request.websocket and self.rng.random() < 0.5
        choice = self._answer("unavailable-after" if after else "unavailable", request,
                              source="profile")
        return Choice(fault=choice.fault, code=self.rng.choice((500, 503)), source="profile")

    def _answer(self, fault: str, request: Request, *, source: str) -> Choice:
        codes = {"conflict": 409, "already-exists": 409, "unavailable": 503,
                 "unavailable-after": 503, "too-many-requests": 429, "gone": 410}
        if fault == "cut":
            # A rule's cut falls within a stream's first line: a test that asks for one gets
            # one even when the stream is short (a log opened after its container finished).
            most = 16 if source == "rule" else 4096
            return Choice(fault=fault, cut_after=self.rng.randint(1, most),
                          cut_seconds=self.rng.uniform(0.05, 2.0), source=source)
        return Choice(fault=fault, code=codes.get(fault, 0), source=source)
