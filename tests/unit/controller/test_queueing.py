import threading

from kes.controller import queueing


def test_a_key_added_twice_while_waiting_is_handed_out_once() -> None:
    queue = queueing.WorkQueue()
    queue.add("ns/a")
    queue.add("ns/a")
    assert queue.get(timeout=1) == "ns/a"
    assert queue.get(timeout=0.01) is None


def test_a_key_being_handled_is_not_handed_to_another_worker_until_done() -> None:
    queue = queueing.WorkQueue()
    queue.add("ns/a")
    assert queue.get(timeout=1) == "ns/a"
    queue.add("ns/a")  # changed while a worker handles it
    assert queue.get(timeout=0.01) is None
    queue.done("ns/a")
    assert queue.get(timeout=1) == "ns/a"


def test_keys_are_namespaced() -> None:
    queue = queueing.WorkQueue()
    queue.add(queueing.key_of({"metadata": {"namespace": "one", "name": "x"}}))
    queue.add(queueing.key_of({"metadata": {"namespace": "two", "name": "x"}}))
    assert {queue.get(timeout=1), queue.get(timeout=1)} == {"one/x", "two/x"}


def test_close_releases_waiting_workers() -> None:
    queue = queueing.WorkQueue()
    results: list[str | None] = []
    worker = threading.Thread(target=lambda: results.append(queue.get()))
    worker.start()
    queue.close()
    worker.join(timeout=5)
    assert results == [None]
