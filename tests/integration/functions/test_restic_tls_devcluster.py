"""restic against moto over HTTPS with a self-signed certificate: verification fails with what to
do, and `insecureTLS` (Kanister's argument) or the Profile's `skipSSLVerify` make it work."""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from restic_harness import s3_profile
from s3_harness import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY

from kes.adapters.k8s import pods
from kes.functions import base, registry

pytestmark = pytest.mark.tools("restic")
Ctx = Callable[..., base.PhaseContext]
KEY = "tls-test-key"


@pytest.fixture(scope="module")
def https_moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's server with its ad-hoc (self-signed) certificate on a free 127.0.0.1 port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path_factory.mktemp("moto-tls") / "moto.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port), "--ssl"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"https://127.0.0.1:{port}"
    unverified = ssl.create_default_context()
    unverified.check_hostname = False
    unverified.verify_mode = ssl.CERT_NONE
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", context=unverified, timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"moto --ssl did not start: {log.read_text()[-2000:]}"
                    ) from None
                time.sleep(0.05)  # polling a condition with a deadline
        import boto3

        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=REGION,
            verify=False,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        ).create_bucket(Bucket="tls-bucket")
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def app(make_ctx: Ctx, namespace: str) -> str:
    ctx = make_ctx()
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "app", "namespace": namespace},
        "spec": {"containers": [{"name": "app", "image": "busybox", "command": ["sleep", "600"]}]},
    }
    pods.create(ctx.api, body=body)
    pods.wait_until_not_pending(ctx.api, namespace=namespace, name="app", cancel=None, timeout=60)
    return "app"


def _backup(ctx: base.PhaseContext, namespace: str, prefix: str, **extra: Any) -> Any:
    spec = registry.lookup("BackupData")
    assert spec.run is not None
    return spec.run(
        ctx,
        {
            "namespace": namespace,
            "pod": "app",
            "container": "app",
            "includePath": str(Path(__file__).parent),
            "backupArtifactPrefix": prefix,
            "encryptionKey": KEY,
            **extra,
        },
    )


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_tls_verification_and_the_two_ways_to_skip_it(
    make_ctx: Ctx, namespace: str, app: str, https_moto: str
) -> None:
    verified = make_ctx(template_params={"Profile": s3_profile(https_moto, "tls-bucket")})
    with pytest.raises(base.FunctionError) as caught:
        _backup(verified, namespace, "a")
    message = str(caught.value)
    assert message.startswith("Failed to backup data: TLS verification failed for the restic")
    assert "x509" in message and "insecureTLS" in message and "skipSSLVerify" in message

    out = _backup(verified, namespace, "a", insecureTLS=True)
    assert len(out["backupID"]) == 8
    skipping = make_ctx(
        template_params={"Profile": s3_profile(https_moto, "tls-bucket", skip_ssl_verify=True)}
    )
    again = _backup(skipping, namespace, "a")
    assert again["backupID"] != out["backupID"]
