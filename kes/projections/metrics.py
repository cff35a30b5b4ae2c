"""Prometheus metrics projected from the log, plus gauges of the controller process itself.

Everything about runs comes from the log, as status and Events do:
`kanister_action_set_resolutions_total{resolution}` counts ended actions as Kanister does
(success/failure, both pre-initialised to 0) and `kes_phase_duration_seconds{function}` the
phases that ended. Counters start at the projection's tracked position, so a restarted
controller does not count old runs again. The process's own gauges (running ActionSets,
projection lag) and API error counts are set by the controller, not projected: they are facts of
this process, not of any run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import prometheus_client

from kes import application
from kes.domain import actionset_events as ev
from kes.projections import following


class Metrics:
    """Every metric kes exports, on a registry of its own (one per controller)."""

    def __init__(self) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        self.resolutions = prometheus_client.Counter(
            "kanister_action_set_resolutions",
            "Actions of ActionSets ended, by resolution (as Kanister counts them).",
            ["resolution"],
            registry=self.registry,
        )
        for resolution in ("success", "failure"):
            self.resolutions.labels(resolution=resolution)
        self.phase_duration = prometheus_client.Histogram(
            "kes_phase_duration_seconds",
            "Wall time of phases, by Kanister function.",
            ["function"],
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
            registry=self.registry,
        )
        self.running_actionsets = prometheus_client.Gauge(
            "kes_running_actionsets",
            "ActionSets being run by this controller.",
            registry=self.registry,
        )
        # client-go's leader_election_master_status, in kes's name: 1 on the replica that
        # leads (a single replica without --leader-elect always leads).
        self.leader = prometheus_client.Gauge(
            "kes_leader",
            "1 when this replica leads (runs ActionSets and writes status), 0 when it follows.",
            registry=self.registry,
        )
        self.events_appended = prometheus_client.Counter(
            "kes_events_appended",
            "Events appended to the log (seen by the projections).",
            registry=self.registry,
        )
        self.projection_lag = prometheus_client.Gauge(
            "kes_projection_lag_events",
            "Events recorded but not yet applied, by projection.",
            ["projection"],
            registry=self.registry,
        )
        self.status_writes = prometheus_client.Counter(
            "kes_status_writes", "ActionSet status writes to the API.", registry=self.registry
        )
        self.kube_events_written = prometheus_client.Counter(
            "kes_kubernetes_events_written", "Kubernetes Events created.", registry=self.registry
        )
        self.api_errors = prometheus_client.Counter(
            "kes_api_errors",
            "Kubernetes API calls that failed, by verb.",
            ["verb"],
            registry=self.registry,
        )
        # The Blueprint validating webhook (kes.controller.webhook).
        self.webhook_reviews = prometheus_client.Counter(
            "kes_webhook_reviews",
            "AdmissionReviews answered by the Blueprint webhook, by result.",
            ["result"],
            registry=self.registry,
        )
        for result in ("allowed", "denied", "error"):
            self.webhook_reviews.labels(result=result)
        self.webhook_certificate_loads = prometheus_client.Counter(
            "kes_webhook_certificate_loads",
            "Serving certificates loaded by the webhook (the first and every rotation).",
            registry=self.registry,
        )
        self.webhook_certificate_expiry = prometheus_client.Gauge(
            "kes_webhook_certificate_expiry_timestamp_seconds",
            "When the webhook's serving certificate expires (Unix time).",
            registry=self.registry,
        )

    def exposition(self) -> bytes:
        return bytes(prometheus_client.generate_latest(self.registry))


class MetricsProjection(following.Follower):
    name = "metrics"

    def __init__(self, *, app: application.KesApplication, metrics: Metrics) -> None:
        super().__init__(app=app)
        self.metrics = metrics
        # (run, action, phase) → (function, start) of the phases running, to time their end
        self.started: dict[tuple[UUID, int, str], tuple[str, dt.datetime]] = {}

    def reset(self) -> None:
        self.started.clear()

    def apply(self, event: Any, *, notification_id: int) -> None:
        self.metrics.events_appended.inc()
        if isinstance(event, ev.ActionCompleted):
            self.metrics.resolutions.labels(resolution="success").inc()
        elif isinstance(event, ev.ActionFailed):
            self.metrics.resolutions.labels(resolution="failure").inc()
        elif isinstance(event, ev.PhaseStarted):
            key = (event.originator_id, event.action_index, event.phase_name)
            self.started[key] = (event.function, event.timestamp)
        elif isinstance(event, ev.PhaseCompleted | ev.PhaseFailed):
            self._phase_ended(event)

    def _phase_ended(self, event: Any) -> None:
        key = (event.originator_id, event.action_index, event.phase_name)
        found = self.started.pop(key, None)
        if found is None:  # started before this projection's position: ask the log
            try:
                run = self.app.run(event.originator_id)
            except application.RunNotFoundError:
                return
            phase = run.actions[event.action_index].phase(event.phase_name)
            if phase is None or phase.started_at is None:
                return
            found = (phase.function, phase.started_at)
        function, started = found
        seconds = (
            event.duration_s if isinstance(event, ev.PhaseCompleted)
            else (event.timestamp - started).total_seconds()
        )
        self.metrics.phase_duration.labels(function=function).observe(max(0.0, seconds))
