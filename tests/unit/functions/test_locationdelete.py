"""LocationDelete: Kanister 0.119's args, its Profile check, and the bucket-name trim."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from kes.domain import params
from kes.functions import base, locationdelete, registry


def context(profile: Any) -> base.PhaseContext:
    plain = params.to_plain(profile) if profile is not None else None
    return base.PhaseContext(
        api=cast(Any, None), namespace="ns", action_set=base.ActionSetRef("as", "ns"),
        template_params={"Profile": plain},
    )


def filestore_profile(root: Path, *, credential: str = "") -> Any:
    return params.profile(
        spec={"location": {"type": "filestore", "bucket": str(root), "prefix": "p"},
              "credential": {"type": credential}},
        key_pair=("id", "secret") if credential == "keyPair" else None, credential_secret=None,
    )


def test_the_spec_is_kanisters() -> None:
    spec = registry.lookup("LocationDelete")
    assert spec is locationdelete.SPEC
    assert (spec.required_args, spec.all_args, spec.outputs) == (("artifact",), ("artifact",), ())
    assert spec.idempotent and spec.run is not None


def test_a_missing_artifact_arg_uses_kanisters_wrap() -> None:
    assert locationdelete.SPEC.run is not None
    with pytest.raises(base.ArgumentError) as caught:
        locationdelete.SPEC.run(context(None), {})
    assert str(caught.value) == (
        "Required args missing for function LocationDelete: Required arg missing: artifact")


def test_no_profile_fails_validation() -> None:
    assert locationdelete.SPEC.run is not None
    with pytest.raises(base.FunctionError) as caught:
        locationdelete.SPEC.run(context(None), {"artifact": "x"})
    assert str(caught.value) == "Failed to validate Profile: Profile must be non-nil"


def test_deletes_under_the_prefix_with_the_bucket_trimmed(tmp_path: Path) -> None:
    (tmp_path / "p" / "dumps").mkdir(parents=True)
    (tmp_path / "p" / "dumps" / "a.gz").write_bytes(b"a")
    (tmp_path / "p" / "keep").write_bytes(b"k")
    assert locationdelete.SPEC.run is not None
    # The artifact starts with the bucket (here the directory), which Kanister trims first.
    output = locationdelete.SPEC.run(
        context(filestore_profile(tmp_path)), {"artifact": f"{tmp_path}/dumps"})
    assert output is None
    assert not (tmp_path / "p" / "dumps" / "a.gz").exists()
    assert (tmp_path / "p" / "keep").read_bytes() == b"k"
    # Deleting again deletes nothing and succeeds (idempotent for restart recovery).
    locationdelete.SPEC.run(context(filestore_profile(tmp_path)), {"artifact": "dumps"})


def test_a_store_failure_fails_the_phase(tmp_path: Path) -> None:
    assert locationdelete.SPEC.run is not None
    with pytest.raises(base.FunctionError, match="does not exist"):
        locationdelete.SPEC.run(context(filestore_profile(tmp_path / "gone")), {"artifact": "x"})
