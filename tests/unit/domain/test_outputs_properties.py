"""Properties of the marker writer and parser over generated keys, values and chunkings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kes.domain import outputs

keys = st.text(alphabet="abcXYZ019_", min_size=1, max_size=12)
# Surrogates cannot be written to a pod's output (they are not encodable text).
values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200)
log_lines = st.text(
    alphabet=st.characters(blacklist_characters="\n\r#", blacklist_categories=("Cs",)), max_size=80
)


@given(key=keys, value=values)
def test_any_written_value_parses_back(key: str, value: str) -> None:
    # Go's encoder trims nothing and escapes losslessly, so the parser gets the value back.
    assert outputs.parse(outputs.marker_line(key=key, value=value)) == {key: value}


@settings(max_examples=50)
@given(
    entries=st.lists(st.tuples(log_lines, st.one_of(st.none(), st.tuples(keys, values))),
                     max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=10),
)  # fmt: skip
def test_chunking_never_changes_the_result(
    entries: list[tuple[str, tuple[str, str] | None]], cuts: list[int]
) -> None:
    text = ""
    expected: dict[str, str] = {}
    for log, marker in entries:
        text += log
        if marker is None:
            text += "\n"
        else:
            key, value = marker
            text += " " + outputs.marker_line(key=key, value=value)
            expected[key] = value
    data = text.encode("utf-8")
    scanner = outputs.OutputScanner()
    previous = 0
    for cut in sorted(c for c in cuts if c <= len(data)):
        scanner.feed(data[previous:cut])
        previous = cut
    scanner.feed(data[previous:])
    assert scanner.close() == expected == outputs.parse(data)
