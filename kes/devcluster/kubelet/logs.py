"""Container logs: one file per container attempt, read back the way `kubectl logs` asks.

Each line is stored with the time it was written (RFC 3339, as the CRI log format does) so that
`timestamps` and `sinceSeconds` can be answered; followers wait on an in-memory condition rather
than polling the file. Files live under the pod's directory and go when the pod is deleted.
"""

from __future__ import annotations

import asyncio
import datetime
import pathlib

# Stored lines are "<RFC 3339 stamp> <F|P> <content>", as in the CRI log format: P marks output
# that ended without a newline.
_FULL = b"F"
_PARTIAL = b"P"


def now_rfc3339() -> str:
    """Wall-clock time as Kubernetes writes it in statuses (second precision, Z)."""
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stamp() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def parse_time(stamp: str) -> datetime.datetime:
    """An RFC 3339 time as clients send it (`sinceTime`); ValueError when it is not one."""
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(datetime.UTC)


def _parse_stamp(stamp: str) -> datetime.datetime:
    # Nanoseconds do not fit in datetime; microseconds are plenty for sinceSeconds.
    head, _, frac = stamp.rstrip("Z").partition(".")
    parsed = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.UTC)
    return parsed + datetime.timedelta(microseconds=int((frac + "000000")[:6]))


class ContainerLog:
    """The log of one container across its restarts (attempt N is restartCount N)."""

    def __init__(self, *, directory: pathlib.Path) -> None:
        self.directory = directory
        self.attempt = -1
        self._changed = asyncio.Condition()
        self._open_attempts: set[int] = set()
        self._partial: dict[str, bytes] = {}

    def path(self, attempt: int) -> pathlib.Path:
        return self.directory / f"{attempt}.log"

    def begin(self, *, attempt: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.attempt = attempt
        self.path(attempt).write_bytes(b"")
        self._open_attempts.add(attempt)
        self._partial = {}

    async def write(self, *, stream: str, data: bytes) -> None:
        """Append raw output of one stream; whole lines are stamped and stored."""
        buffered = self._partial.get(stream, b"") + data
        *lines, rest = buffered.split(b"\n")
        self._partial[stream] = rest
        if lines:
            await self._append(lines)

    async def end(self) -> None:
        """The attempt's process has exited: flush partial lines and release followers."""
        leftovers = [part for part in self._partial.values() if part]
        self._partial = {}
        if leftovers:
            await self._append(leftovers, tag=_PARTIAL)
        self._open_attempts.discard(self.attempt)
        async with self._changed:
            self._changed.notify_all()

    async def _append(self, lines: list[bytes], *, tag: bytes = _FULL) -> None:
        stamp = _stamp().encode()
        with self.path(self.attempt).open("ab") as handle:
            for line in lines:
                handle.write(stamp + b" " + tag + b" " + line + b"\n")
        async with self._changed:
            self._changed.notify_all()

    async def release(self) -> None:
        """The pod is gone: no attempt will write again, so every follower may finish."""
        self._open_attempts.clear()
        async with self._changed:
            self._changed.notify_all()

    def is_open(self, attempt: int) -> bool:
        return attempt in self._open_attempts

    async def wait_changed(self) -> None:
        async with self._changed:
            await self._changed.wait()


def select(
    *,
    raw: bytes,
    tail_lines: int | None = None,
    since_seconds: int | None = None,
    since_time: datetime.datetime | None = None,
    timestamps: bool = False,
) -> list[bytes]:
    """Lines of a stored log, filtered and formatted as one `GET .../log` asks."""
    lines = [line for line in raw.split(b"\n") if line]
    cutoff = since_time
    if since_seconds is not None:
        cutoff = datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(seconds=since_seconds)
    if cutoff is not None:
        lines = [ln for ln in lines if _parse_stamp(ln.split(b" ", 1)[0].decode()) >= cutoff]
    if tail_lines is not None:
        lines = lines[-tail_lines:] if tail_lines > 0 else []
    return [format_line(line=line, timestamps=timestamps) for line in lines]


def format_line(*, line: bytes, timestamps: bool) -> bytes:
    """One stored line as served: content, the stamp first if asked, and its newline unless
    the output ended without one."""
    stamp, tag, content = ([*line.split(b" ", 2), b"", b""])[:3]
    ending = b"" if tag == _PARTIAL else b"\n"
    return (stamp + b" " if timestamps else b"") + content + ending
