"""A pseudo-terminal for `kubectl exec -it` (tty=true): one stream, window resizes, job control.

The command gets the pty's slave side as stdin, stdout and stderr and as its controlling
terminal (a new session), so an interactive shell prints its prompt and Ctrl-C reaches the
foreground job. The master side's output is read with the event loop's reader callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import pty
import struct
import termios
from collections.abc import AsyncIterator

_CHUNK = 65536
_EOT = b"\x04"


class Terminal:
    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()

    @staticmethod
    def attach() -> None:
        """Run in the child before exec: a new session whose controlling terminal is the pty."""
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    def started(self) -> None:
        """The child holds the slave side now; the parent's copy would keep the pty open."""
        os.close(self.slave)

    async def output(self) -> AsyncIterator[bytes]:
        """Everything the command writes, until it and its children close the terminal."""
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[bytes | None] = asyncio.Queue()

        def readable() -> None:
            try:
                data = os.read(self.master, _CHUNK)
            except OSError:  # EIO: the last holder of the slave side has gone
                data = b""
            if not data:
                loop.remove_reader(self.master)
            chunks.put_nowait(data or None)

        loop.add_reader(self.master, readable)
        try:
            while (chunk := await chunks.get()) is not None:
                yield chunk
        finally:
            loop.remove_reader(self.master)

    def write(self, data: bytes) -> None:
        with contextlib.suppress(OSError):
            os.write(self.master, data)

    def end_input(self) -> None:
        """Stdin closed: what Ctrl-D at the start of a line does."""
        self.write(_EOT)

    def resize(self, *, width: int, height: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.master)
