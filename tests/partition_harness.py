"""A TCP proxy on 127.0.0.1 that a test can cut, to partition one process from the API server.

Bytes are copied as they are (TLS passes through: the client still talks to 127.0.0.1 and
checks the server's certificate). ``cut()`` is a black hole, not a refusal: open connections
stay open and silent, new ones are accepted and never answered, so the cut-off process sees
its calls hang, as behind a dropped network, and must rely on its own deadlines. ``heal()``
closes the held connections and forwards again.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

import yaml


class PartitionProxy:
    def __init__(self, *, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._flowing = threading.Event()
        self._flowing.set()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self.cut_at: float | None = None  # time.time() of the last cut
        self._thread = threading.Thread(target=self._accept, name="proxy", daemon=True)
        self._thread.start()

    # --- what a test calls ------------------------------------------------------------------

    def cut(self) -> None:
        """From now on nothing passes either way (connections stay open, silent)."""
        self.cut_at = time.time()
        self._flowing.clear()

    def heal(self) -> None:
        """Drop the silenced connections (their peers see a reset) and forward again."""
        self._close_all()
        self._flowing.set()

    def stop(self) -> None:
        self._stopped.set()
        self._flowing.set()
        with contextlib.suppress(OSError):
            self.listener.close()
        self._close_all()

    def kubeconfig(self, source: Path, destination: Path) -> Path:
        """``source`` with every cluster's server pointed at this proxy."""
        config = yaml.safe_load(source.read_text())
        for cluster in config.get("clusters") or []:
            cluster["cluster"]["server"] = f"https://127.0.0.1:{self.port}"
        destination.write_text(yaml.safe_dump(config))
        return destination

    # --- the copying ------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            self._keep(downstream)
            if not self._flowing.is_set():
                continue  # accepted, never answered
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                self._drop(downstream)
                continue
            # The timeout was for connecting: a watch's stream may rightly be idle for long.
            upstream.settimeout(None)
            self._keep(upstream)
            for source, sink in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(
                    target=self._pipe, args=(source, sink), name="proxy-pipe", daemon=True
                ).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                self._flowing.wait()  # while cut, the bytes go nowhere: healed, or closed
                if self._stopped.is_set():
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(source)
            self._drop(sink)

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)

    def _drop(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        # shutdown first: a close alone sends nothing while the other pipe thread still
        # blocks in recv on the socket, and the peer would wait out its read timeout.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()

    def _close_all(self) -> None:
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
