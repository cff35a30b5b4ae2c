"""Leader election against a real API server: the Lease, its races, a release, a partition.

Two electors in this process campaign on one Lease of the session's cluster, each with its own
client (one of them, in the partition test, through a proxy the test cuts). Short lease
settings keep the tests quick; every wait is on a condition with a deadline.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polling
import pytest
from partition_harness import PartitionProxy

from kes.adapters.k8s import client, errors, leases
from kes.controller import electing

pytestmark = pytest.mark.timeout(120)
NAMESPACE = "default"


wait_for = functools.partial(polling.wait_for, interval=0.02)


@dataclasses.dataclass
class Candidate:
    elector: electing.Elector
    stop: threading.Event
    thread: threading.Thread
    started: list[float] = dataclasses.field(default_factory=list)  # time.time() of each start
    stopped: list[tuple[float, str]] = dataclasses.field(default_factory=list)

    def leads(self) -> bool:
        return self.elector.leading()


class Election:
    def __init__(self, api: client.Api, settings: electing.Settings) -> None:
        self.api, self.settings = api, settings
        self.candidates: list[Candidate] = []

    def candidate(self, api: client.Api | None = None) -> Candidate:
        box: list[Candidate] = []

        def started(_record: leases.LeaseRecord) -> bool:
            box[0].started.append(time.time())
            return True

        def stopped(reason: str) -> None:
            box[0].stopped.append((time.time(), reason))

        elector = electing.Elector(
            api=api or self.api, settings=dataclasses.replace(
                self.settings, identity=f"candidate-{len(self.candidates)}"),
            on_started=started, on_stopped=stopped)
        stop = threading.Event()
        thread = threading.Thread(target=elector.run, args=(stop,), daemon=True)
        candidate = Candidate(elector=elector, stop=stop, thread=thread)
        box.append(candidate)
        self.candidates.append(candidate)
        thread.start()
        return candidate

    def lease(self) -> leases.LeaseRecord:
        record = leases.get(self.api, namespace=NAMESPACE, name=self.settings.name,
                            timeout_s=10)
        assert record is not None
        return record

    def close(self) -> None:
        for candidate in self.candidates:
            candidate.stop.set()
        for candidate in self.candidates:
            candidate.thread.join(timeout=30)


@pytest.fixture
def api(devcluster: Any) -> Iterator[client.Api]:
    api = client.from_kubeconfig(path=str(devcluster.kubeconfig))
    yield api
    api.close()


@pytest.fixture
def election(api: client.Api) -> Iterator[Election]:
    settings = electing.Settings(
        name=f"lease-{uuid.uuid4().hex[:8]}", namespace=NAMESPACE,
        duration_s=3.0, renew_deadline_s=2.0, retry_period_s=0.25)
    found = Election(api, settings)
    yield found
    found.close()


def test_the_first_candidate_takes_the_lease_and_the_second_follows(
    election: Election,
) -> None:
    first = election.candidate()
    wait_for(first.leads, timeout=20, what="the first candidate to lead")
    second = election.candidate()
    wait_for(lambda: second.elector.holder == "candidate-0", timeout=20,
             what="the second candidate to see the holder")
    record = election.lease()
    assert (record.holder, record.duration_s, record.transitions) == ("candidate-0", 3, 0)
    assert record.acquire_time is not None and record.renew_time is not None
    renewed = record.renew_time
    wait_for(lambda: election.lease().renew_time != renewed, timeout=20,
             what="a renewal")
    assert not second.leads() and second.started == []
    assert election.lease().acquire_time == record.acquire_time  # renewals keep it


def test_a_released_lease_is_taken_without_waiting_for_it_to_expire(
    election: Election,
) -> None:
    first = election.candidate()
    wait_for(first.leads, timeout=20, what="the first candidate to lead")
    second = election.candidate()
    wait_for(lambda: second.elector.holder == "candidate-0", timeout=20,
             what="the second candidate to follow")
    first.stop.set()  # shutting down: stops, then releases
    first.thread.join(timeout=20)
    assert first.stopped and first.stopped[-1][1] == electing.SHUTDOWN
    wait_for(second.leads, timeout=20, what="the second candidate to take over")
    record = election.lease()
    assert (record.holder, record.transitions) == ("candidate-1", 1)
    # Taken the moment it was released: the old holder's lease had not run out.
    assert second.started[0] - first.stopped[-1][0] < election.settings.duration_s


def test_a_leader_that_finds_another_holder_stops_at_once(
    election: Election, api: client.Api
) -> None:
    first = election.candidate()
    wait_for(first.leads, timeout=20, what="the first candidate to lead")
    current = election.lease()
    now = dt.datetime.now(dt.UTC)
    leases.replace(api, namespace=NAMESPACE, name=election.settings.name, timeout_s=10,
                   record=dataclasses.replace(current, holder="intruder", acquire_time=now,
                                              renew_time=now, transitions=1))
    wait_for(lambda: first.stopped, timeout=20, what="the leader to stop")
    assert first.stopped[0][1] == 'the Lease is held by "intruder"'
    assert not first.leads()


def test_a_partitioned_leader_stops_within_its_renew_deadline_before_another_starts(
    election: Election, devcluster: Any, tmp_path: Path
) -> None:
    proxy = PartitionProxy(target_port=devcluster.port)
    cut_off = client.from_kubeconfig(
        path=str(proxy.kubeconfig(Path(devcluster.kubeconfig), tmp_path / "kubeconfig")))
    try:
        first = election.candidate(api=cut_off)
        wait_for(first.leads, timeout=20, what="the candidate behind the proxy to lead")
        second = election.candidate()
        wait_for(lambda: second.elector.holder == "candidate-0", timeout=20,
                 what="the second candidate to follow")
        proxy.cut()
        wait_for(second.leads, timeout=30, what="the second candidate to take over")
        assert proxy.cut_at is not None and first.stopped
        stopped_at, reason = first.stopped[0]
        assert reason == "the Lease was not renewed within the renew deadline (2s)"
        assert stopped_at - proxy.cut_at <= election.settings.renew_deadline_s
        # The Lease's own record: the new holder acquired it after the old one had stopped.
        record = election.lease()
        assert record.holder == "candidate-1" and record.acquire_time is not None
        assert stopped_at < record.acquire_time.timestamp()
        assert stopped_at < second.started[0]
    finally:
        proxy.stop()
        cut_off.close()


def test_a_write_from_a_stale_read_is_a_conflict(election: Election, api: client.Api) -> None:
    now = dt.datetime.now(dt.UTC)
    record = leases.LeaseRecord(holder="a", duration_s=15, acquire_time=now, renew_time=now,
                                transitions=0)
    created = leases.create(api, namespace=NAMESPACE, name=election.settings.name,
                            record=record, timeout_s=10)
    leases.replace(api, namespace=NAMESPACE, name=election.settings.name, timeout_s=10,
                   record=dataclasses.replace(created, holder="b"))
    with pytest.raises(errors.ApiConflictError):
        leases.replace(api, namespace=NAMESPACE, name=election.settings.name, timeout_s=10,
                       record=dataclasses.replace(created, holder="c"))
    assert election.lease().holder == "b"
    with pytest.raises(errors.ApiConflictError):
        leases.create(api, namespace=NAMESPACE, name=election.settings.name, record=record,
                      timeout_s=10)
