"""A real S3 API for the tests: moto's server on 127.0.0.1, started and stopped by the tests.

One server per test session (`moto_s3` in the root conftest); each test makes its own bucket
(`S3Server.bucket()`), so tests do not see each other's objects. Credentials are moto's (any
key works); tests that check secret masking use these values as the secrets to look for.
"""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ACCESS_KEY_ID = "AKIAKESTESTMOTO00001"
SECRET_ACCESS_KEY = "kes-test-moto-secret-0123456789abcdef"
REGION = "us-east-1"


@dataclasses.dataclass
class S3Server:
    endpoint: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def bucket(self, prefix: str = "kes-test") -> str:
        """A new, empty bucket with a unique name."""
        name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.client().create_bucket(Bucket=name)
        return name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto(log_dir: Path, *, deadline_seconds: float = 30.0) -> S3Server:
    """moto's S3 server on a free 127.0.0.1 port, answering before this returns."""
    port = _free_port()
    log_path = log_dir / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                return S3Server(endpoint=endpoint, process=process, log_path=log_path)
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(
                    f"moto did not start: {log_path.read_text(errors='replace')[-2000:]}"
                ) from None
            time.sleep(0.05)  # polling a condition with a deadline, not a timing assumption


def stop_moto(server: S3Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
