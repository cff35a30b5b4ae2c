"""semver and semverCompare with Masterminds/semver v1.5 rules (what sprig v2.22 uses)."""

from __future__ import annotations

import itertools

import pytest
import sprig_cases

from kes.domain.templates.sprig import semver


@pytest.mark.parametrize(
    ("constraint", "version", "expected"),
    [
        pytest.param("1.2.3", "1.2.3", True, id="exact"),
        pytest.param("=1.2.3", "1.2.4", False, id="exact-miss"),
        pytest.param("!=1.2.3", "1.2.4", True, id="not-equal"),
        pytest.param(">1.2.3", "1.2.4", True, id="greater"),
        pytest.param("<1.2.3", "1.2.3", False, id="less-excludes"),
        pytest.param(">=1.2", "1.2.0", True, id="partial-padded"),
        pytest.param(">1.2", "1.2.1", True, id="gt-partial-is-padded-not-ranged"),
        pytest.param("<=1.2", "1.2.9", True, id="le-partial-covers-minor"),
        pytest.param("=<1.2.3", "1.2.3", True, id="le-alternate-spelling"),
        pytest.param("~1.2.3", "1.2.9", True, id="tilde-patch"),
        pytest.param("~1.2.3", "1.3.0", False, id="tilde-stops-at-minor"),
        pytest.param("~1", "1.9.9", True, id="tilde-major"),
        pytest.param("~>1.2", "1.2.5", True, id="tilde-arrow"),
        pytest.param("^1.2.3", "1.9.0", True, id="caret"),
        pytest.param("^1.2.3", "2.0.0", False, id="caret-stops-at-major"),
        pytest.param("^0.2.3", "0.9.0", True, id="caret-zero-major-is-v1-rule"),
        pytest.param("1.2.x", "1.2.7", True, id="wildcard"),
        pytest.param("1.2.x", "1.3.0", False, id="wildcard-miss"),
        pytest.param("*", "5.0.0", True, id="star"),
        pytest.param(">=1.0, <2.0", "1.5.0", True, id="and"),
        pytest.param(">=1.0 <2.0", "2.5.0", False, id="and-space"),
        pytest.param("<1.0 || >=3.0", "3.1.0", True, id="or"),
        pytest.param("1.2 - 1.4.5", "1.4.5", True, id="hyphen-range"),
        pytest.param("1.2 - 1.4.5", "1.4.6", False, id="hyphen-range-miss"),
        pytest.param(">=1.0", "1.5.0-beta", False, id="prerelease-needs-prerelease-constraint"),
        pytest.param(">=1.5.0-alpha", "1.5.0-beta", True, id="prerelease-ordering"),
        pytest.param(">1.0.0-alpha.1", "1.0.0-alpha.beta", True, id="numeric-before-alpha"),
        pytest.param("v1.2.3", "1.2.3", True, id="v-prefix"),
    ],
)
def test_constraints_follow_semver_v1(constraint: str, version: str, expected: bool) -> None:
    assert semver.satisfies(constraint=constraint, version=version) is expected
    rendered = sprig_cases.render(f'{{{{ semverCompare "{constraint}" "{version}" }}}}')
    assert rendered == ("true" if expected else "false")


@pytest.mark.parametrize(
    ("constraint", "version", "message"),
    [
        pytest.param(">=1.0", "banana", "Invalid Semantic Version", id="bad-version"),
        pytest.param("!!1.0", "1.0.0", "improper constraint: !!1.0", id="bad-constraint"),
        pytest.param("1.2.3.4", "1.0.0", "improper constraint: 1.2.3.4", id="too-many-parts"),
    ],
)
def test_invalid_inputs_are_errors(constraint: str, version: str, message: str) -> None:
    with pytest.raises(semver.SemverError, match=message):
        semver.satisfies(constraint=constraint, version=version)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        pytest.param('{{ semver "1.2" }}', "1.2.0", id="string-form"),
        pytest.param('{{ (semver "v2.3.4").Minor }}', "3", id="minor"),
        pytest.param('{{ (semver "1.2.3+build.5").Metadata }}', "build.5", id="metadata"),
        pytest.param('{{ (semver "v1.0").Original }}', "v1.0", id="original"),
        pytest.param('{{ semver "1.0.0" | typeOf }}', "*semver.Version", id="type"),
    ],
)
def test_semver_exposes_version_fields(template: str, expected: str) -> None:
    assert sprig_cases.render(template) == expected


def test_versions_order_by_semver_precedence() -> None:
    ordered = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
    ]
    parsed = [semver.parse_version(v) for v in ordered]
    for low, high in itertools.pairwise(parsed):
        assert semver.compare(low, other=high) == -1
        assert semver.compare(high, other=low) == 1
