"""Phase outputs: the `###Phase-output###:` marker line that `kando output` writes, and its parser.

Kanister functions that run commands (KubeTask, KubeExec, ...) learn their outputs by scanning the
command's output for marker lines (reference section 4, `pkg/output`). Both halves live here so the
writer (`kes.kando`) and the reader (`kes.functions`) cannot drift apart:

- `marker_line` renders one line byte-compatible with Kanister's (Go `encoding/json` escaping);
- `OutputScanner` is a push parser with the semantics of Kanister's `LogAndParse` state machine:
  markers mid-line, a marker split across two lines (or 64 KiB read chunks), lines longer than the
  read buffer, last key wins, and a marker whose JSON does not decode fails with
  `Failed to unmarshal key-value pair`.

Pure: no I/O. Callers feed bytes as they arrive and receive plain log segments through a callback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

MARKER = "###Phase-output###:"
_MARKER_B = MARKER.encode()
# Go's bufio.Reader size used by Kanister: a longer line arrives in chunks ("isPrefix").
CHUNK = 64 * 1024
# Kanister sets no limit; its outputs end in the ActionSet's status, which kube-apiserver caps
# with the object (etcd's 1.5 MiB). kes stops at 1 MiB of marker content per phase, so a pod that
# prints an endless marker line costs bounded memory and fails with a message, not the store.
MAX_OUTPUT_BYTES = 1024 * 1024

_KEY_RE = re.compile(r"[a-zA-Z0-9_]*")
# Go's unicode.IsSpace set (bytes.TrimSpace), which differs from Python's str.strip set.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


class OutputError(ValueError):
    """An output key or marker line that Kanister would reject."""


def validate_key(key: str) -> None:
    """Raise `OutputError` with Kanister's wording unless `key` is a valid output key."""
    if key == "":
        raise OutputError("Key should not be empty")
    if not _KEY_RE.fullmatch(key):
        raise OutputError("Key should contain only alphanumeric characters and underscore")


def go_json_string(value: str) -> str:
    """Quote `value` exactly as Go's `json.Marshal` does (HTML-safe escaping, U+2028/9, \\ufffd)."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20:
            out.append(_CONTROL.get(ch) or f"\\u{code:04x}")
        elif ch in "<>&" or code in (0x2028, 0x2029):
            out.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:
            # An undecodable byte (surrogateescape) or a lone surrogate: Go writes one \ufffd each.
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# Go 1.22+ writes \b and \f in short form too.
_CONTROL = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def marker_line(*, key: str, value: str) -> str:
    """The line `kando output KEY VALUE` prints (with its newline); the key must be valid."""
    validate_key(key)
    return f'{MARKER} {{"key":{go_json_string(key)},"value":{go_json_string(value)}}}\n'


def _go_trim(data: bytes) -> str:
    return data.decode("utf-8", errors="replace").strip(_GO_SPACE)


def decode_marker_json(content: str) -> tuple[str, str]:
    """Decode the JSON after a marker as Go's `json.Unmarshal` into `{Key, Value string}` does.

    Field names match case-insensitively, unknown fields are ignored, `null` leaves a field empty,
    the last duplicate wins; anything else (not an object, a non-string value, trailing data,
    NaN) fails with Kanister's message.
    """
    try:
        decoded = json.loads(content, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise OutputError("Failed to unmarshal key-value pair") from exc
    if decoded is None:
        return "", ""
    if not isinstance(decoded, _Pairs):
        raise OutputError("Failed to unmarshal key-value pair")
    fields = {"key": "", "value": ""}
    for name, item in decoded.pairs:
        folded = name.lower()
        if folded not in fields:
            continue
        if item is None:
            continue
        if not isinstance(item, str):
            raise OutputError("Failed to unmarshal key-value pair")
        fields[folded] = item
    return fields["key"], fields["value"]


class _Pairs:
    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def _pairs(pairs: list[tuple[str, Any]]) -> _Pairs:
    return _Pairs(pairs)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


class OutputScanner:
    """Push parser for a command's output stream, with Kanister's `LogAndParse` semantics.

    `feed` bytes in any pieces, then `close`. Plain text (every non-empty line without a marker,
    and the text before a mid-line marker) goes to `on_log`; the marker content goes to `on_log`
    too (Kanister logs it as `Pod_Out`). `outputs` holds the decoded key/values so far.
    """

    def __init__(self, *, on_log: Callable[[str], None] | None = None) -> None:
        self._on_log = on_log
        self._pending = b""
        self._output_buf: bytes | None = None
        self._separator_suffix = b""
        self._discarding = False  # the rest of a marker line already refused as too large
        self._sizes: dict[str, int] = {}
        self.outputs: dict[str, Any] = {}
        self.marker_seen = False

    def feed(self, data: bytes) -> None:
        """Consume more bytes; raises `OutputError` on a marker whose JSON does not decode.

        After an error the bad line counts as consumed, so feeding may go on (for logging).
        """
        buf = self._pending + data if self._pending else data
        start, size = 0, len(buf)
        try:
            while True:
                newline = buf.find(b"\n", start)
                if newline == -1 or newline - start > CHUNK:
                    # No complete line: a full read buffer is handed on as a prefix chunk (Go's
                    # ReadLine with isPrefix), anything shorter waits for more bytes.
                    if size - start < CHUNK:
                        break
                    chunk, start = buf[start : start + CHUNK], start + CHUNK
                    self._line(chunk, is_prefix=True)
                    continue
                line, start = buf[start:newline], newline + 1
                if line.endswith(b"\r"):
                    line = line[:-1]
                self._line(line, is_prefix=False)
        finally:
            self._pending = buf[start:]

    def close(self) -> dict[str, Any]:
        """Flush the last unterminated line and return the outputs."""
        if self._pending:
            line, self._pending = self._pending, b""
            self._line(line, is_prefix=False)
        return self.outputs

    def _line(self, line: bytes, *, is_prefix: bool) -> None:
        if not line:
            return
        if self._discarding:
            self._discarding = is_prefix
            return
        if self._output_buf is not None:
            self._output_buf += line
            self._check_size(len(self._output_buf), is_prefix=is_prefix)
            if not is_prefix:
                content, self._output_buf = self._output_buf, None
                self._emit(content)
            return
        if self._separator_suffix:
            suffix, self._separator_suffix = self._separator_suffix, b""
            if line.startswith(suffix):
                self._capture(line[len(suffix) :], is_prefix=is_prefix)
                return
        index = line.find(_MARKER_B)
        if index == -1:
            self._log(line)
            self._separator_suffix = _split_marker_suffix(line)
            return
        if index > 0:
            self._log(line[:index])
        self._capture(line[index + len(_MARKER_B) :], is_prefix=is_prefix)

    def _capture(self, content: bytes, *, is_prefix: bool) -> None:
        self._check_size(len(content), is_prefix=is_prefix)
        if is_prefix:
            self._output_buf = content
        else:
            self._emit(content)

    def _check_size(self, pending: int, *, is_prefix: bool) -> None:
        """Refuse a marker that would take the phase's outputs past `MAX_OUTPUT_BYTES`."""
        if pending + sum(self._sizes.values()) <= MAX_OUTPUT_BYTES:
            return
        self._output_buf = None
        self._discarding = is_prefix
        raise OutputError(
            f"Phase output is larger than {MAX_OUTPUT_BYTES // (1024 * 1024)} MiB: outputs end "
            "in the ActionSet's status; move large data with `kando location push` and output "
            "its path"
        )

    def _emit(self, content: bytes) -> None:
        text = _go_trim(content)
        if not text:
            return
        self._log_text(text)
        key, value = decode_marker_json(text)
        self.marker_seen = True
        self.outputs[key] = value
        self._sizes[key] = len(content)

    def _log(self, line: bytes) -> None:
        self._log_text(line.decode("utf-8", errors="replace"))

    def _log_text(self, text: str) -> None:
        if self._on_log is not None:
            self._on_log(text)


def _split_marker_suffix(line: bytes) -> bytes:
    """The rest of the marker when `line` ends with its shortest proper prefix (as Kanister)."""
    # Every proper prefix of the marker starts with "#": skip the loop for ordinary lines.
    if b"#" not in line[-(len(_MARKER_B) - 1) :]:
        return b""
    for i in range(1, len(_MARKER_B)):
        if i > len(line):
            break
        if line.endswith(_MARKER_B[:i]):
            return _MARKER_B[i:]
    return b""


def parse(text: str | bytes, *, on_log: Callable[[str], None] | None = None) -> dict[str, Any]:
    """All outputs in a complete text (KubeTask semantics: `{}` when there is none)."""
    scanner = OutputScanner(on_log=on_log)
    scanner.feed(text.encode() if isinstance(text, str) else text)
    return scanner.close()


def parse_or_none(text: str | bytes) -> dict[str, Any] | None:
    """KubeExec semantics: `None` when the text is empty or holds no marker (reference 4)."""
    if not text:
        return None
    outputs = parse(text)
    return outputs or None
