"""Wait and WaitV2 on the devcluster: conditions met at once, met later, never met, bad input."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from kes.adapters.k8s import objects
from kes.functions import base, registry

Wait = registry.lookup("Wait")
WaitV2 = registry.lookup("WaitV2")
Ctx = Callable[..., base.PhaseContext]


def _run(spec: base.FunctionSpec, ctx: base.PhaseContext, args: dict[str, Any]) -> Any:
    assert spec.run is not None
    return spec.run(ctx, args)


def _configmap(ctx: base.PhaseContext, namespace: str, data: dict[str, str]) -> None:
    objects.request(
        ctx.api, method="POST", url_path=f"/api/v1/namespaces/{namespace}/configmaps",
        body={"metadata": {"name": "cm"}, "data": data},
    )  # fmt: skip


def _cm_ref(namespace: str) -> dict[str, str]:
    return {"apiVersion": "v1", "group": "", "resource": "configmaps", "name": "cm",
            "namespace": namespace}  # fmt: skip


def test_wait_on_a_namespace_status_with_jsonpath(make_ctx: Ctx, namespace: str) -> None:
    ctx = make_ctx()
    ref = {"apiVersion": "v1", "resource": "namespaces", "name": namespace}
    condition = '{{ if (eq "{ $.status.phase }" "Active") }}true{{ else }}false{{ end }}'
    args = {"timeout": "10s", "conditions": {"anyOf": [{"objectReference": ref,
                                                         "condition": condition}]}}  # fmt: skip
    assert _run(Wait, ctx, args) is None


def test_waitv2_on_a_namespace_status_with_go_template(make_ctx: Ctx, namespace: str) -> None:
    ref = {"apiVersion": "v1", "resource": "namespaces", "name": namespace}
    condition = '{{ if eq .status.phase "Active" }}true{{ end }}'
    args = {"timeout": "10s", "conditions": {"allOf": [{"objectReference": ref,
                                                         "condition": condition}]}}  # fmt: skip
    assert _run(WaitV2, make_ctx(), args) is None


@pytest.mark.parametrize("spec", [Wait, WaitV2], ids=lambda s: s.name)
def test_waits_until_the_object_changes(
    spec: base.FunctionSpec, make_ctx: Ctx, namespace: str, recorder: Any,
    wait_until: Callable[..., Any],
) -> None:  # fmt: skip
    ctx = make_ctx()
    _configmap(ctx, namespace, {"state": "pending"})
    condition = (
        '{{ if eq "{$.data.state}" "done" }}true{{ end }}'
        if spec is Wait
        else '{{ if eq .data.state "done" }}true{{ end }}'
    )
    args = {"timeout": "30s", "conditions": {"anyOf": [{"objectReference": _cm_ref(namespace),
                                                         "condition": condition}]}}  # fmt: skip
    outcome: list[Any] = []
    worker = threading.Thread(target=lambda: outcome.append(_run(spec, ctx, args)))
    worker.start()
    wait_until(lambda: recorder.progress == [0], what="the wait to start")
    assert worker.is_alive()
    objects.request(
        ctx.api, method="PATCH", url_path=f"/api/v1/namespaces/{namespace}/configmaps/cm",
        body={"data": {"state": "done"}}, content_type="application/merge-patch+json",
    )  # fmt: skip
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert outcome == [None]
    assert recorder.progress == [0, 100]


def test_allof_needs_every_condition(make_ctx: Ctx, namespace: str) -> None:
    ctx = make_ctx()
    _configmap(ctx, namespace, {"a": "1", "b": "2"})
    ok = '{{ if eq .data.a "1" }}true{{ end }}'
    never = '{{ if eq .data.b "3" }}true{{ end }}'
    cond = [{"objectReference": _cm_ref(namespace), "condition": c} for c in (ok, never)]
    started = time.monotonic()
    with pytest.raises(base.FunctionError) as caught:
        _run(WaitV2, ctx, {"timeout": "300ms", "conditions": {"allOf": cond}})
    assert str(caught.value) == (
        "Failed to wait for the condition to be met: context deadline exceeded"
    )
    assert time.monotonic() - started < 5
    # anyOf with the same two succeeds on the first.
    assert _run(WaitV2, ctx, {"timeout": "5s", "conditions": {"anyOf": cond}}) is None


def test_missing_object_times_out_with_the_api_error_first(make_ctx: Ctx, namespace: str) -> None:
    ref = {**_cm_ref(namespace), "name": "absent"}
    args = {"timeout": "200ms", "conditions": {"anyOf": [{"objectReference": ref,
                                                           "condition": "true"}]}}  # fmt: skip
    with pytest.raises(base.FunctionError) as caught:
        _run(Wait, make_ctx(), args)
    assert str(caught.value) == (
        'configmaps "absent" not found: '
        "Failed to wait for the condition to be met: context deadline exceeded"
    )


def test_missing_jsonpath_key_is_reported_after_the_timeout(make_ctx: Ctx, namespace: str) -> None:
    ctx = make_ctx()
    _configmap(ctx, namespace, {"a": "1"})
    args = {"timeout": "200ms", "conditions": {"anyOf": [{
        "objectReference": _cm_ref(namespace), "condition": '{{ if "{$.data.zzz}" }}true{{end}}',
    }]}}  # fmt: skip
    with pytest.raises(base.FunctionError) as caught:
        _run(Wait, ctx, args)
    assert str(caught.value) == (
        'error executing jsonpath "{.data.zzz}": Error executing template: zzz is not found.: '
        "Failed to wait for the condition to be met: context deadline exceeded"
    )


def test_bad_jsonpath_prints_nothing_so_the_condition_stays_false(
    make_ctx: Ctx, namespace: str
) -> None:
    ctx = make_ctx()
    _configmap(ctx, namespace, {"a": "1"})
    # `{$.data[}` does not parse: Kanister substitutes "" and the comparison is false.
    args = {"timeout": "200ms", "conditions": {"anyOf": [{
        "objectReference": _cm_ref(namespace), "condition": '{{ if eq "{$.data[}" "" }}true{{end}}',
    }]}}  # fmt: skip
    assert _run(Wait, ctx, args) is None
    args["conditions"]["anyOf"][0]["condition"] = '{{ if eq "{$.data[}" "1" }}true{{end}}'
    with pytest.raises(base.FunctionError, match=r"context deadline exceeded$"):
        _run(Wait, ctx, args)


def test_object_reference_and_timeout_are_rendered(make_ctx: Ctx, namespace: str) -> None:
    ctx = make_ctx(template_params={"Time": "2026-01-01T00:00:00Z",
                                    "Options": {"ns": namespace, "t": "5s"}})  # fmt: skip
    ref = {"apiVersion": "v1", "resource": "namespaces", "name": "{{ .Options.ns }}"}
    for spec, condition in (
        (Wait, '{{ if eq "{$.status.phase}" "Active" }}true{{ end }}'),
        (WaitV2, '{{ if eq .status.phase "Active" }}true{{ end }}'),
    ):
        args = {
            "timeout": "{{ .Options.t }}",
            "conditions": {"anyOf": [{"objectReference": ref, "condition": condition}]},
        }
        assert _run(spec, ctx, args) is None  # fmt: skip


def test_cancel_stops_the_wait(make_ctx: Ctx, namespace: str, recorder: Any) -> None:
    ref = {"apiVersion": "v1", "resource": "namespaces", "name": namespace}
    args = {"timeout": "10m", "conditions": {"anyOf": [{"objectReference": ref,
                                                         "condition": "false"}]}}  # fmt: skip
    recorder.cancel.set()
    with pytest.raises(base.FunctionCancelledError):
        _run(WaitV2, make_ctx(), args)


@pytest.mark.parametrize(
    ("timeout", "message"),
    [("10", 'Failed to parse timeout: time: missing unit in duration "10"'),
     ("abc", 'Failed to parse timeout: time: invalid duration "abc"'),
     ("5y", 'Failed to parse timeout: time: unknown unit "y" in duration "5y"')],
)  # fmt: skip
def test_bad_timeouts(make_ctx: Ctx, timeout: str, message: str) -> None:
    args = {"timeout": timeout, "conditions": {"anyOf": []}}
    for spec in (Wait, WaitV2):
        with pytest.raises(base.FunctionError) as caught:
            _run(spec, make_ctx(), args)
        assert str(caught.value) == message


def test_waitv2_template_errors_are_reported_after_the_timeout(
    make_ctx: Ctx, namespace: str
) -> None:
    ref = {"apiVersion": "v1", "resource": "namespaces", "name": namespace}
    condition = "{{ eq .status.phase 1 }}"
    args = {"timeout": "200ms", "conditions": {"anyOf": [{"objectReference": ref,
                                                           "condition": condition}]}}  # fmt: skip
    with pytest.raises(base.FunctionError) as caught:
        _run(WaitV2, make_ctx(), args)
    message = str(caught.value)
    assert message.startswith('error executing template "{{ eq .status.phase 1 }}": ')
    assert "incompatible types for comparison" in message
    assert message.endswith(
        ": Failed to wait for the condition to be met: context deadline exceeded"
    )


def test_waitv2_template_that_does_not_parse_is_just_false(make_ctx: Ctx, namespace: str) -> None:
    ref = {"apiVersion": "v1", "resource": "namespaces", "name": namespace}
    condition = {"objectReference": ref, "condition": "{{ if }}true"}
    args = {"timeout": "200ms", "conditions": {"anyOf": [condition]}}
    with pytest.raises(base.FunctionError) as caught:
        _run(WaitV2, make_ctx(), args)
    assert str(caught.value) == (
        "Failed to wait for the condition to be met: context deadline exceeded"
    )


def test_wait_renders_all_its_args_so_a_bad_template_fails_at_once(make_ctx: Ctx) -> None:
    ctx = make_ctx(template_params={"Time": "2026-01-01T00:00:00Z", "Options": {}})
    args = {"timeout": "10m", "conditions": {"anyOf": [{"objectReference": {},
                                                         "condition": "{{ .nope }}"}]}}  # fmt: skip
    started = time.monotonic()
    with pytest.raises(base.FunctionError, match=r'^Failed to render template: "nope" not found$'):
        _run(Wait, ctx, args)
    assert time.monotonic() - started < 5
