"""`kes controller run`: the controller process, configured by flags or environment variables."""

from __future__ import annotations

import logging
import signal
from importlib import metadata
from pathlib import Path
from types import FrameType

import click

from kes import application, storage
from kes.adapters.k8s import client, errors
from kes.cli import logs
from kes.controller import electing, running, timeouts, webhook
from kes.domain import durations
from kes.domain.templates import sprig

logger = logging.getLogger(__name__)


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    if not value:
        return None
    try:
        return durations.parse_seconds(value)
    except durations.DurationError as exc:
        raise click.BadParameter(str(exc)) from exc


@click.group()
def controller() -> None:
    """Run the kes controller."""


@controller.command("run")
@click.option("--kubeconfig", envvar="KUBECONFIG", help="Kubeconfig file (default: in-cluster).")
@click.option("--context", help="Kubeconfig context.")
@click.option(
    "--namespace",
    "-n",
    "namespaces",
    multiple=True,
    envvar="KES_NAMESPACES",
    help="Watch only these namespaces (repeatable; default: all, Kanister watches its own only).",
)
@click.option(
    "--controller-namespace",
    envvar="POD_NAMESPACE",
    default="default",
    show_default=True,
    help="Namespace for task pods whose blueprint leaves `namespace` empty.",
)
@click.option(
    "--store", envvar="KES_STORE", help="Event store: a file path or a postgresql:// URL."
)
@click.option("--workers", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--health-port", type=int, default=None, help="Serve /healthz, /readyz, /metrics.")
@click.option("--health-address", default="127.0.0.1", show_default=True)
@click.option("--phase-timeout", callback=_duration, help="Default phase timeout (Go duration).")
@click.option(
    "--timeout",
    "actionset_timeout",
    callback=_duration,
    help="Default ActionSet timeout (Go duration).",
)
@click.option(
    "--progress-interval",
    envvar="KES_PROGRESS_INTERVAL",
    callback=_duration,
    default="5s",
    show_default=True,
    help="How often a running phase's progress is recorded (Kanister's ticker is 5s).",
)
@click.option(
    "--create-crds/--no-create-crds",
    envvar="CREATEORUPDATE_CRDS",
    default=True,
    show_default=True,
    help="Create or update the CRDs at start.",
)
@click.option(
    "--allow-env",
    multiple=True,
    help="Environment variables templates may read with sprig env/expandenv.",
)
@click.option(
    "--log-level",
    envvar="LOG_LEVEL",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False),
)
@click.option("--log-json", is_flag=True, help="Log JSON lines.")
@click.option(
    "--api-timeout",
    envvar="KES_API_TIMEOUT",
    callback=_duration,
    default="30s",
    show_default=True,
    help="How long one Kubernetes API request may wait for its answer before it fails (and is "
    "retried where that is safe).",
)
@click.option(
    "--repositoryservers/--no-repositoryservers",
    envvar="KES_REPOSITORYSERVERS",
    default=True,
    show_default=True,
    help="Run RepositoryServers (Kanister's separate repository server controller).",
)
@click.option(
    "--repositoryserver-check-interval",
    envvar="KES_REPOSITORYSERVER_CHECK_INTERVAL",
    default="10s",
    show_default=True,
    callback=_duration,
    help="How often a Ready RepositoryServer's kopia server is checked (Go duration).",
)
@click.option(
    "--webhook-cert-dir",
    envvar="KES_WEBHOOK_CERT_DIR",
    default=webhook.CERT_DIR,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="tls.crt and tls.key of the Blueprint validating webhook; it serves when tls.crt "
    "exists (as Kanister's), and reloads them when they change.",
)
@click.option("--webhook-port", type=int, default=webhook.DEFAULT_PORT, show_default=True)
@click.option("--webhook-address", default="127.0.0.1", show_default=True)
@click.option(
    "--leader-elect/--no-leader-elect",
    envvar="KES_LEADER_ELECT",
    default=False,
    show_default=True,
    help="Elect one working replica on a Lease (several replicas on one PostgreSQL log).",
)
@click.option(
    "--leader-elect-lease-duration",
    envvar="KES_LEADER_ELECT_LEASE_DURATION",
    default="15s",
    show_default=True,
    callback=_duration,
    help="How long followers wait after the last renewal before taking the Lease.",
)
@click.option(
    "--leader-elect-renew-deadline",
    envvar="KES_LEADER_ELECT_RENEW_DEADLINE",
    default="10s",
    show_default=True,
    callback=_duration,
    help="How long the leader keeps trying to renew before it stops working.",
)
@click.option(
    "--leader-elect-retry-period",
    envvar="KES_LEADER_ELECT_RETRY_PERIOD",
    default="2s",
    show_default=True,
    callback=_duration,
    help="How often candidates try to take, and the leader to renew, the Lease.",
)
@click.option(
    "--leader-elect-resource-name",
    envvar="KES_LEADER_ELECT_RESOURCE_NAME",
    default=electing.DEFAULT_NAME,
    show_default=True,
    help="The Lease's name.",
)
@click.option(
    "--leader-elect-resource-namespace",
    envvar="KES_LEADER_ELECT_RESOURCE_NAMESPACE",
    help="The Lease's namespace (default: --controller-namespace).",
)
def run(
    kubeconfig: str | None,
    context: str | None,
    namespaces: tuple[str, ...],
    controller_namespace: str,
    store: str | None,
    workers: int,
    health_port: int | None,
    health_address: str,
    phase_timeout: float | None,
    actionset_timeout: float | None,
    progress_interval: float | None,
    create_crds: bool,
    allow_env: tuple[str, ...],
    log_level: str,
    log_json: bool,
    api_timeout: float | None,
    repositoryservers: bool,
    repositoryserver_check_interval: float | None,
    webhook_cert_dir: Path,
    webhook_port: int,
    webhook_address: str,
    leader_elect: bool,
    leader_elect_lease_duration: float | None,
    leader_elect_renew_deadline: float | None,
    leader_elect_retry_period: float | None,
    leader_elect_resource_name: str,
    leader_elect_resource_namespace: str | None,
) -> None:
    """Watch ActionSets and run them, recording every step in the event log."""
    logs.configure(level=log_level, json_lines=log_json)
    sprig.allow_env(allow_env)
    election = None
    if leader_elect:
        election = electing.Settings(
            name=leader_elect_resource_name,
            namespace=leader_elect_resource_namespace or controller_namespace,
            duration_s=leader_elect_lease_duration or 0.0,
            renew_deadline_s=leader_elect_renew_deadline or 0.0,
            retry_period_s=leader_elect_retry_period or 0.0,
        )
        problems = election.problems()
        if problems:
            raise click.BadParameter(
                "; ".join(problems) + ".", param_hint="--leader-elect-*"
            )
    try:
        api = client.load(kubeconfig=kubeconfig, context=context,
                          timeout_s=api_timeout or client.DEFAULT_TIMEOUT_S)
        app = application.KesApplication(store=store)
    except (
        errors.ApiError,
        storage.StoreSettingError,
        application.StoreUnavailableError,
    ) as exc:
        raise click.ClickException(str(exc)) from exc
    settings = running.Settings(
        namespaces=tuple(n for item in namespaces for n in item.split(",") if n),
        workers=workers,
        controller_namespace=controller_namespace,
        default_timeouts=timeouts.Timeouts(phase_s=phase_timeout, actionset_s=actionset_timeout),
        create_crds=create_crds,
        health_address=health_address,
        health_port=health_port,
        progress_interval_s=progress_interval or 0.0,
        version=metadata.version("kes"),
        repositoryservers=repositoryservers,
        repositoryserver_check_interval_s=repositoryserver_check_interval or 10.0,
        webhook_cert_dir=webhook_cert_dir,
        webhook_address=webhook_address,
        webhook_port=webhook_port,
        election=election,
    )
    if election is None and app.store.is_postgres:
        logger.warning(
            "The event log is PostgreSQL and --leader-elect is off: run one replica only "
            "(every replica sharing a log needs --leader-elect)."
        )
    ctrl = running.Controller(api=api, app=app, settings=settings)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        ctrl.stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        ctrl.run_forever()
    except errors.ApiError as exc:
        raise click.ClickException(f"Kubernetes API: {exc}") from exc
    except webhook.CertificateError as exc:
        raise click.ClickException(str(exc)) from exc
