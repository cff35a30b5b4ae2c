"""kopia for the tests: kes's commands run on this machine with an isolated kopia, and TLS
certificates for repository servers.

Each `Kopia` has its own HOME, config, log and cache directories under a temporary path, so
tests never touch the user's kopia set-up; commands run as kes runs them (`Command.invocation`:
secrets in the environment, never in argv).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kes.adapters.kopia import commands, server


@dataclasses.dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@dataclasses.dataclass
class Kopia:
    home: Path
    extra_env: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def env(self, secret_env: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KOPIA_", "AWS_"))}
        env.update({"HOME": str(self.home), "KOPIA_CHECK_FOR_UPDATES": "false",
                    "KOPIA_LOG_DIR": str(self.home / "logs")})
        env.update(self.extra_env)
        env.update(secret_env or {})
        return env

    def run(self, cmd: commands.Command, *, check: bool = True, timeout: float = 120) -> Result:
        inv = cmd.invocation()
        done = subprocess.run(list(inv.argv), env=self.env(inv.secret_env), capture_output=True,
                              text=True, timeout=timeout, check=False)
        result = Result(done.returncode, done.stdout, done.stderr)
        if check and done.returncode != 0:
            raise AssertionError(f"{inv.logged} failed ({done.returncode}): {done.stderr[-2000:]}")
        return result

    @contextlib.contextmanager
    def serving(self, start: server.StartArgs, status: server.ClientArgs) -> Iterator[int]:
        """`server start` in the foreground of a child process; yields its pid once
        `server status` answers, stops it at the end."""
        inv = server.start(start).invocation()
        log = (self.home / "server.out").open("wb")
        process = subprocess.Popen(list(inv.argv), env=self.env(inv.secret_env), stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while self.run(server.status(status), check=False).returncode != 0:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        f"kopia server did not start: {(self.home / 'server.out').read_text()}")
                time.sleep(0.1)  # polling a condition with a deadline
            yield process.pid
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_certificate(common_name: str = "kopia") -> tuple[bytes, bytes]:
    """(cert PEM, key PEM): a self-signed EC certificate valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
