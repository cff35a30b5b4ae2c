"""The image without a Docker engine (none here): the Dockerfile's base is pinned by version,
its COPY sources exist, it installs from constraints.txt, its OCI labels name this release, and
constraints.txt pins every dependency pyproject names, inside pyproject's ranges, and resolves."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from deployfiles import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

DOCKERFILE = (ROOT / "Dockerfile").read_text()
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _constraints() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version.strip()
    return pins


def _requirements() -> list[Requirement]:
    return [Requirement(r) for r in [*PROJECT["dependencies"],
                                     *PROJECT["optional-dependencies"]["postgres"]]]


def test_base_image_is_pinned_by_version() -> None:
    (base,) = re.findall(r"^FROM (\S+)$", DOCKERFILE, re.M)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base), base
    assert f'org.opencontainers.image.base.name="{base}"' in DOCKERFILE


def test_copied_files_exist() -> None:
    sources = [s for line in re.findall(r"^COPY (.+)$", DOCKERFILE, re.M)
               for s in line.split()[:-1]]
    assert "constraints.txt" in sources and "kes" in sources
    for source in sources:
        assert (ROOT / source).exists(), source


def test_installs_from_the_constraints() -> None:
    assert re.search(r'pip install --constraint constraints\.txt "\.\[postgres\]"', DOCKERFILE)


def test_oci_labels_name_this_release() -> None:
    labels = dict(re.findall(r'(org\.opencontainers\.image\.[a-z.]+)="([^"]*)"', DOCKERFILE))
    assert {"org.opencontainers.image.title", "org.opencontainers.image.version",
            "org.opencontainers.image.description"} <= set(labels)
    assert re.search(rf"^ARG VERSION={re.escape(PROJECT['version'])}$", DOCKERFILE, re.M)


def test_every_dependency_is_pinned_inside_its_range() -> None:
    pins = _constraints()
    for requirement in _requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in constraints.txt"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pins[name]}, outside {requirement}")
        for extra in requirement.extras:
            assert extra  # e.g. eventsourcing[postgres]: its packages are pinned below


def test_the_range_check_catches_a_pin_outside() -> None:
    requirement = Requirement("pydantic>=2.6,<3")
    assert not requirement.specifier.contains("3.0.0")


@pytest.mark.timeout(300)
def test_constraints_resolve_for_the_image(tmp_path: Path) -> None:
    """pip resolves `.[postgres]` under the constraints (what the image's RUN does), without
    installing: a conflict between a pin and a range, or a missing pin's range, fails here."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed",
         "--quiet", "--report", str(tmp_path / "report.json"),
         "--constraint", str(ROOT / "constraints.txt"), f"{ROOT}[postgres]"],
        capture_output=True, text=True, timeout=280, check=False, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    report = json.loads((tmp_path / "report.json").read_text())
    installed = {canonicalize_name(i["metadata"]["name"]): i["metadata"]["version"]
                 for i in report["install"]}
    pins = _constraints()
    for name, version in installed.items():
        if name != "kes":
            assert pins.get(name) == version, f"{name} {version} resolved, pinned {pins.get(name)}"
