import threading

from kes.controller import cancelling


def test_cancelling_a_scope_cancels_its_children_with_the_reason() -> None:
    run = cancelling.CancelScope()
    phase = run.child()
    run.cancel(cancelling.DELETED)
    assert phase.cancelled
    assert phase.reason == cancelling.DELETED


def test_a_child_of_a_cancelled_scope_starts_cancelled() -> None:
    run = cancelling.CancelScope()
    run.cancel(cancelling.DELETED)
    assert run.child().cancelled


def test_a_timeout_cancels_only_its_own_scope() -> None:
    run = cancelling.CancelScope()
    phase = run.child(timeout_s=0.01)
    assert phase.event.wait(timeout=5)
    assert phase.reason == cancelling.TIMED_OUT
    assert not run.cancelled


def test_close_stops_the_timer() -> None:
    phase = cancelling.CancelScope().child(timeout_s=0.2)
    phase.close()
    assert not phase.event.wait(timeout=0.5)


def test_the_first_reason_wins() -> None:
    scope = cancelling.CancelScope()
    threads = [
        threading.Thread(target=scope.cancel, args=(reason,))
        for reason in (cancelling.DELETED, cancelling.TIMED_OUT)
    ]
    threads[0].start()
    threads[0].join()
    threads[1].start()
    threads[1].join()
    assert scope.reason == cancelling.DELETED
