"""`kes webhook certificates`: the Blueprint webhook's CA and serving pair for installs without
Helm (Helm's chart makes them itself, as Kanister's does).

It writes `ca.crt`, `tls.crt` and `tls.key` to a directory; docs/deploy.md shows how they become
the Secret the controller mounts and the caBundle of the ValidatingWebhookConfiguration. Nothing
is sent to a cluster, and the key is written readable by its owner only.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from kes.controller import certificates


@click.group()
def webhook() -> None:
    """The Blueprint validating webhook."""


@webhook.command("certificates")
@click.option("--service", default="kes-controller", show_default=True,
              help="The webhook's Service (deploy/webhook.yaml).")
@click.option("--namespace", "-n", default="kes", show_default=True,
              help="The Service's namespace.")
@click.option("--days", type=click.IntRange(1, 3650), default=certificates.DEFAULT_DAYS,
              show_default=True, help="Validity of the CA and the certificate.")
@click.option("--output-dir", "-o", required=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Where to write ca.crt, tls.crt and tls.key (created if missing).")
def certificates_command(service: str, namespace: str, days: int, output_dir: Path) -> None:
    """Make a CA and a certificate for <service>.<namespace>.svc, as Kanister's chart does."""
    names = certificates.service_names(service=service, namespace=namespace)
    pair = certificates.generate(common_name=service, hosts=names, days=days)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "ca.crt").write_bytes(pair.ca_cert)
    (output_dir / "tls.crt").write_bytes(pair.cert)
    key = output_dir / "tls.key"
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pair.key)
    click.echo(f"Wrote ca.crt, tls.crt and tls.key for {', '.join(names)} to {output_dir}.")
