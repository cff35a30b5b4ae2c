"""`kando`, the helper that Blueprint commands call inside task pods.

Kanister ships `kando` in its tools image; Blueprints call `kando output KEY VALUE` to hand a value
back to the controller. This entry point is byte-compatible with Kanister's (reference sections 4
and 5.4): the same key rules and error messages, one `###Phase-output###:` line on stdout, and
exit code 69 on any error (Kanister's gRPC-status check makes every failure exit 69).

A Blueprint may call `kando output` many times, so that exact form is answered without importing
click (which costs more than the interpreter's own start); anything else, including every error,
goes through the full command tree in `kes.kando.commands`.
"""

from __future__ import annotations

import sys

from kes.domain import outputs


def _fast_output(argv: list[str]) -> bool:
    """Print the marker for a plain, valid `output KEY VALUE`; False to take the full path."""
    if len(argv) != 3 or argv[0] != "output" or any(a.startswith("-") for a in argv[1:]):
        return False
    try:
        line = outputs.marker_line(key=argv[1], value=argv[2])
    except outputs.OutputError:
        return False
    stream = sys.stdout.buffer
    stream.write(line.encode("utf-8"))
    stream.flush()
    return True


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (`kando = kes.kando.main:main`)."""
    args = sys.argv[1:] if argv is None else argv
    if _fast_output(args):
        return
    from kes.kando import commands  # deferred: click is slow to import

    commands.run(args)


if __name__ == "__main__":
    main()
