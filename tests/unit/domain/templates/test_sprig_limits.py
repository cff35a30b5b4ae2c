"""Size limits: no template can make a sprig function allocate unbounded memory."""

from __future__ import annotations

import re
import time

import pytest
import sprig_cases

from kes.domain.templates import errors
from kes.domain.templates.sprig import registry


@pytest.mark.parametrize(
    "template",
    [
        pytest.param('{{ repeat 1000001 "x" }}', id="repeat"),
        pytest.param('{{ repeat 2000 (repeat 1000 "x") }}', id="repeat-of-repeat"),
        pytest.param("{{ until 1000001 }}", id="until"),
        pytest.param("{{ until -1000001 }}", id="until-negative"),
        pytest.param("{{ untilStep 0 9223372036854775807 1 }}", id="untilstep"),
        pytest.param("{{ randAlphaNum 1000001 }}", id="random"),
        pytest.param('{{ indent 1000001 "a" }}', id="indent"),
        pytest.param('{{ wrapWith 1 (repeat 1000 "|") (repeat 1000 "x") }}', id="wrapwith"),
        pytest.param('{{ replace "" (repeat 1000 "y") (repeat 2000 "x") }}', id="replace"),
        pytest.param('{{ replace "x" (repeat 1000 "y") (repeat 2000 "x") }}', id="replace-grow"),
        pytest.param('{{ join (repeat 1000 "-") (until 2000) }}', id="join"),
        pytest.param(
            '{{ regexReplaceAll "x" (repeat 2000 "x") (repeat 1000 "y") }}', id="regex-replace"
        ),
    ],
)
def test_oversized_results_fail_fast(template: str) -> None:
    started = time.monotonic()
    with pytest.raises(errors.TemplateError, match=re.escape(f"limit of {registry.MAX_ITEMS}")):
        sprig_cases.render(template)
    assert time.monotonic() - started < 5


def test_results_at_the_limit_are_allowed() -> None:
    assert len(sprig_cases.render(f'{{{{ repeat {registry.MAX_ITEMS} "x" }}}}')) == (
        registry.MAX_ITEMS
    )


def test_wrap_of_a_long_text_with_few_breaks_is_allowed() -> None:
    rendered = sprig_cases.render('{{ wrap 80 (repeat 600000 "x") | len }}')
    assert rendered == "600000"
