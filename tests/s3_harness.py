"""A real S3 API for the tests: moto's server on 127.0.0.1, started and stopped by the tests.

One server per test session (`moto_s3` in the root conftest); each test makes its own bucket
(`S3Server.bucket()`), so tests do not see each other's objects. Credentials are moto's (any
key works); tests that check secret masking use these values as the secrets to look for.
"""

from __future__ import annotations

import dataclasses
import json
import os
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


def start_moto(
    log_dir: Path, *, deadline_seconds: float = 30.0, env: dict[str, str] | None = None
) -> S3Server:
    """moto's S3 server on a free 127.0.0.1 port, answering before this returns.

    `env` adds to the server's environment (`INITIAL_NO_AUTH_ACTION_COUNT` makes it check
    credentials, see `start_authenticating_moto`).
    """
    port = _free_port()
    log_path = log_dir / "moto.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
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


@dataclasses.dataclass
class AuthenticatingS3:
    """A moto server that checks credentials, and the one user it knows."""

    server: S3Server
    access_key_id: str
    secret_access_key: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3", endpoint_url=self.server.endpoint, region_name=REGION,
            aws_access_key_id=self.access_key_id, aws_secret_access_key=self.secret_access_key,
        )


def start_authenticating_moto(log_dir: Path) -> AuthenticatingS3:
    """moto with authentication on after three unauthenticated IAM calls, which make the user."""
    import boto3

    server = start_moto(log_dir, env={"INITIAL_NO_AUTH_ACTION_COUNT": "3"})
    iam = boto3.client(
        "iam", endpoint_url=server.endpoint, region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY,
    )
    iam.create_user(UserName="kes")
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName="kes", PolicyName="all", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="kes")["AccessKey"]
    return AuthenticatingS3(server, key["AccessKeyId"], key["SecretAccessKey"])
