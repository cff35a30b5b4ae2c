"""sprig's ``semver`` and ``semverCompare`` (v2.22.0, i.e. Masterminds/semver v1.5 rules).

semver v1 differs from v3 in ways blueprints notice: ``^0.2.3`` allows everything below 1.0.0,
partial versions (``1.2``) are padded with zeros, and a pre-release version only satisfies a
constraint that itself names a pre-release.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Final

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define

_VERSION: Final = re.compile(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_WILD: Final = ("x", "X", "*")
_OPS: Final = ("!=", ">=", "=>", "<=", "=<", "~>", ">", "<", "=", "~", "^")


class SemverError(ValueError):
    """Invalid version or constraint; the message is semver's."""


@dataclasses.dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: str = ""
    metadata: str = ""
    original: str = ""

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + self.prerelease
        if self.metadata:
            text += "+" + self.metadata
        return text


def parse_version(text: str) -> Version:
    match = _VERSION.fullmatch(text)
    if match is None:
        raise SemverError("Invalid Semantic Version")
    return Version(
        major=int(match.group(1)),
        minor=int(match.group(2)[1:]) if match.group(2) else 0,
        patch=int(match.group(3)[1:]) if match.group(3) else 0,
        prerelease=match.group(5) or "",
        metadata=match.group(8) or "",
        original=text,
    )


def _compare_pre(left: str, *, other: str) -> int:
    if left == other:
        return 0
    if not left:
        return 1
    if not other:
        return -1
    a_parts, b_parts = left.split("."), other.split(".")
    for a, b in zip(a_parts, b_parts, strict=False):
        if a == b:
            continue
        if a.isdigit() and b.isdigit():
            return -1 if int(a) < int(b) else 1
        if a.isdigit():
            return -1
        if b.isdigit():
            return 1
        return -1 if a < b else 1
    return (len(a_parts) > len(b_parts)) - (len(a_parts) < len(b_parts))


def compare(left: Version, *, other: Version) -> int:
    for a, b in ((left.major, other.major), (left.minor, other.minor), (left.patch, other.patch)):
        if a != b:
            return -1 if a < b else 1
    return _compare_pre(left.prerelease, other=other.prerelease)


@dataclasses.dataclass(frozen=True)
class _Constraint:
    op: str
    version: Version
    given: int  # how many numeric parts were given before a wildcard or the end

    def check(self, v: Version) -> bool:
        if v.prerelease and not self.version.prerelease and self.op != "!=":
            return False
        c = self.version
        if self.given == 0:
            return self.op not in ("!=", ">", "<")
        low = c
        if self.op in ("~", "~>"):
            if self.given == 1:
                high = Version(c.major + 1, 0, 0)
            else:
                high = Version(c.major, c.minor + 1, 0)
            return compare(v, other=low) >= 0 and compare(v, other=high) < 0
        if self.op == "^":
            return compare(v, other=low) >= 0 and compare(v, other=Version(c.major + 1, 0, 0)) < 0
        upper = self._range_end()
        if self.op in ("=", "!="):
            inside = (
                compare(v, other=c) == 0
                if upper is None
                else (compare(v, other=low) >= 0 and compare(v, other=upper) < 0)
            )
            return inside if self.op == "=" else not inside
        if self.op == ">":
            # semver v1 compares against the zero-padded version even for "1.2" or "1.x".
            return compare(v, other=c) > 0
        if self.op == "<":
            return compare(v, other=c) < 0
        if self.op in (">=", "=>"):
            return compare(v, other=c) >= 0
        return compare(v, other=c) <= 0 if upper is None else compare(v, other=upper) < 0

    def _range_end(self) -> Version | None:
        if self.given >= 3:
            return None
        c = self.version
        return Version(c.major + 1, 0, 0) if self.given == 1 else Version(c.major, c.minor + 1, 0)


def _parse_constraint(text: str) -> _Constraint:
    body = text.strip()
    op = next((o for o in _OPS if body.startswith(o)), "=")
    if body.startswith(op):
        body = body[len(op) :].strip()
    core, sep, suffix = body.partition("-")
    plus_core, _, _ = core.partition("+")
    parts = plus_core.lstrip("v").split(".") if plus_core else []
    given = 0
    numbers: list[str] = []
    for part in parts[:3]:
        if part in _WILD:
            break
        if not part.isdigit():
            raise SemverError(f"improper constraint: {text}")
        numbers.append(part)
        given += 1
    if len(parts) > 3 or (not numbers and parts and parts[0] not in _WILD):
        raise SemverError(f"improper constraint: {text}")
    padded = ".".join(numbers + ["0"] * (3 - len(numbers))) + (sep + suffix if sep else "")
    try:
        version = parse_version(padded)
    except SemverError:
        raise SemverError(f"improper constraint: {text}") from None
    return _Constraint(op=op, version=version, given=given)


def _split_and(group: str) -> list[str]:
    # Hyphen ranges "1.2 - 1.4.5" become ">= 1.2, <= 1.4.5".
    hyphen = re.fullmatch(r"\s*(\S+)\s+-\s+(\S+)\s*", group)
    if hyphen is not None:
        return [">=" + hyphen.group(1), "<=" + hyphen.group(2)]
    tokens = re.findall(r"(?:!=|>=|=>|<=|=<|~>|[><=~^])?\s*[^\s,]+", group)
    return [t for t in tokens if t.strip()]


def satisfies(*, constraint: str, version: str) -> bool:
    groups = [g for g in constraint.split("||")]
    parsed = []
    for group in groups:
        ands = _split_and(group)
        if not ands:
            raise SemverError(f"improper constraint: {constraint}")
        parsed.append([_parse_constraint(c) for c in ands])
    target = parse_version(version)
    return any(all(c.check(target) for c in group) for group in parsed)


def as_struct(version: Version, *, pointer: bool = True) -> values.GoStruct:
    """The Go value: ``*semver.Version`` from ``semver``; a plain ``semver.Version`` from its
    ``Inc*``/``Set*`` methods, which has no ``String`` (pointer receiver) and prints its fields."""
    return values.GoStruct(
        "semver.Version",
        {
            "Major": version.major,
            "Minor": version.minor,
            "Patch": version.patch,
            "Prerelease": version.prerelease,
            "Metadata": version.metadata,
            "Original": version.original,
        },
        pointer=pointer,
        stringer=str(version) if pointer else None,
    )


def from_struct(value: values.GoStruct) -> Version:
    fields = value.fields
    return Version(
        major=int(fields["Major"]),
        minor=int(fields["Minor"]),
        patch=int(fields["Patch"]),
        prerelease=str(fields["Prerelease"]),
        metadata=str(fields["Metadata"]),
        original=str(fields["Original"]),
    )


@define("semver", params=("string",), returns_error=True, result="*semver.Version")
def semver(text: str) -> values.GoStruct:
    try:
        version = parse_version(text)
    except SemverError as exc:
        raise values.FuncError(str(exc)) from None
    return as_struct(version)


@define("semverCompare", params=("string", "string"), returns_error=True, result="bool")
def semver_compare(constraint: str, version: str) -> bool:
    try:
        return satisfies(constraint=constraint, version=version)
    except SemverError as exc:
        raise values.FuncError(str(exc)) from None


FUNCS = TABLE.funcs
