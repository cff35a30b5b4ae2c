"""The corpus: Go text/template behaviours (corpus/*.yaml) rendered through kes's engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kes.domain.templates import errors, rendering

_CORPUS = Path(__file__).parent / "corpus"


def _cases() -> list[Any]:
    params: list[Any] = []
    for path in sorted(_CORPUS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            case_id = f"{path.stem}-{i:03d}"
            params.append(pytest.param(doc["params"], case, id=case_id))
    return params


def test_corpus_is_large_enough() -> None:
    assert len(_cases()) >= 150


@pytest.mark.parametrize(("params", "case"), _cases())
def test_case(params: dict[str, Any], case: dict[str, Any]) -> None:
    if "err" in case:
        with pytest.raises(errors.TemplateError) as info:
            rendering.render(case["t"], params)
        assert str(info.value) == case["err"]
    else:
        assert rendering.render(case["t"], params) == case["want"]
