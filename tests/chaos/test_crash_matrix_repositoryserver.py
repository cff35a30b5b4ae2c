"""The crash matrix of a RepositoryServer: SIGKILL the controller at every event boundary of its
set-up and deletion in turn (each append before and after its commit, each status write), restart,
and check that it becomes Ready with its history verified, no step completed twice, one kopia
server, its CR status equal to the status replayed from the log and no Kubernetes Event
duplicated; a deletion is recorded once and leaves no pod or Service.
"""

from __future__ import annotations

from pathlib import Path

import chaos_harness as ch
import pytest
import reliability_report
import repositoryserver_trials as trials

pytestmark = [pytest.mark.timeout(5400 if ch.full() else 400), pytest.mark.tools("kopia")]

# `make test`: one boundary in the middle of the set-up (after the server started), and one of
# the deletion.
SMOKE = ("append-after:ServerInitialized#1", "append-before:ServerDeleted#1")


def test_every_boundary_of_a_repositoryserver_setup_survives_a_kill_9(
    chaos_kube: ch.Kube, tmp_path: Path
) -> None:
    namespace = trials.prepare(chaos_kube, tmp_path / "repository")
    found: list[str] = list(SMOKE)
    if ch.full():
        traced = trials.run(chaos_kube, namespace=namespace, work=tmp_path / "traced",
                            boundary=None)
        assert traced.state == "Ready" and not traced.problems, traced.row()
        found = ch.boundaries(tmp_path / "traced" / "trace")
        assert len(found) > 10, found
    results = [trials.run(chaos_kube, namespace=namespace, work=tmp_path / f"t{index}",
                          boundary=boundary) for index, boundary in enumerate(found)]
    for result in results:
        reliability_report.record("crash-repositoryserver",
                                  {**result.row(), "seconds": result.seconds})
    reliability_report.record("crash-repositoryserver-summary", {
        "boundaries": len(found), "tried": len(found),
        "reached": sum(r.reached for r in results),
        "survived": sum(r.survived for r in results)})
    broken = [r.row() for r in results if r.reached and not r.survived]
    assert not broken, broken
    assert sum(r.reached for r in results) >= len(found) * 0.8, [r.row() for r in results]
