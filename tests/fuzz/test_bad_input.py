"""Bad input through validation, rendering and the admission path: zero crashes, every rejection
a clear message.

Documents are drawn from the CRD schemas (tests/unit/domain/test_crds_properties.py's strategy)
and then damaged (a field replaced by any JSON value, a string by a template); each goes through
the Blueprint admission webhook's review, the resource parser and Kanister's validation of its
kind. Template strings from the sandbox's attack corpus (server-side template injection, output,
recursion and expansion bombs) must each end within the render budget with a TemplateError or
output within the size limit (RE2 regexes are linear in Go: a "ReDoS" pattern just answers).
Rows go to docs/reliability.md (`make reliability`: 10,000 examples each).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import reliability_report
import test_crds_properties as crd_strategies
import test_sandbox
from hypothesis import given
from hypothesis import strategies as st

from kes.controller import admission
from kes.domain import resources, validation
from kes.domain.templates import errors, execution, rendering

KINDS = ("Blueprint", "ActionSet", "Profile", "RepositoryServer")
_COUNTS: dict[str, int] = {}
_LOCK = threading.Lock()

TEMPLATE = st.sampled_from(["{{", "}}", "{{ .Nope.x }}", "{{ index .L 9 }}",
                            "{{ template \"x\" }}", "{{ range 100000000 }}x{{ end }}",
                            '{{ repeat 100000000 "x" }}', "\x00", "é" * 3])


_NAME = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)
_SECRET_REF = st.builds(lambda name, namespace: {"apiVersion": "v1", "kind": "Secret",
                                                 "name": name, "namespace": namespace},
                        _NAME, _NAME)


def _kanister_profiles() -> st.SearchStrategy[dict[str, Any]]:
    """Profiles Kanister's check accepts, of every location and credential type: drawn from the
    CRD schema alone, a Profile is practically never valid (its types are free strings there)."""
    location = st.fixed_dictionaries(
        {"type": st.sampled_from(["s3Compliant", "gcs", "azure", "filestore"]),
         "bucket": _NAME, "region": _NAME},
        optional={"endpoint": st.sampled_from(["http://127.0.0.1:9000", "https://s3.example"]),
                  "prefix": _NAME})
    key_pair = st.builds(lambda secret: {"type": "keyPair", "keyPair": {
        "idField": "aws_access_key_id", "secretField": "aws_secret_access_key",
        "secret": secret}}, _SECRET_REF)
    secret = st.builds(lambda ref: {"type": "secret", "secret": ref}, _SECRET_REF)
    return st.builds(
        lambda name, loc, credential, skip: {
            "apiVersion": resources.GROUP_VERSION, "kind": "Profile",
            "metadata": {"name": name, "namespace": "fuzz"},
            "location": loc, "credential": credential, "skipSSLVerify": skip},
        _NAME, location, key_pair | secret, st.booleans())


def _documents(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    drawn = crd_strategies.documents(kind)
    return drawn | _kanister_profiles() if kind == "Profile" else drawn


def _damaged(document: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    """`document` with one path replaced by arbitrary JSON or a hostile template string."""
    node: Any = document
    path: list[Any] = []
    while isinstance(node, (dict, list)) and node and data.draw(st.booleans()):
        key = data.draw(st.sampled_from(sorted(node) if isinstance(node, dict)
                                        else list(range(len(node)))))
        path.append(key)
        node = node[key]
    if not path:
        return document
    value = data.draw(crd_strategies.JSON | TEMPLATE)
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return document


def _count(kind: str, outcome: str) -> None:
    with _LOCK:
        _COUNTS[f"{kind}:{outcome}"] = _COUNTS.get(f"{kind}:{outcome}", 0) + 1


def _validate(obj: Any) -> str:
    """"accepted", or the rejection's message (never empty); anything else raised is a crash."""
    try:
        parsed = resources.parse_object(obj)
    except resources.ResourceError as exc:
        message = "; ".join(exc.problems)
        assert message.strip(), exc
        return message
    try:
        if isinstance(parsed, resources.ActionSet):
            validation.validate_actionset(parsed)
        elif isinstance(parsed, resources.Profile):
            validation.validate_profile(parsed)
        elif isinstance(parsed, resources.Blueprint):
            error = admission.first_error(parsed)
            if error is not None:
                return admission.errkit_text(error)
    except validation.ValidationError as exc:
        assert str(exc).strip(), exc
        return str(exc)
    return "accepted"


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_documents_are_accepted_or_rejected_with_a_message(kind: str) -> None:
    @given(_documents(kind), st.data())
    def check(document: dict[str, Any], data: st.DataObject) -> None:
        obj = _damaged(document, data)
        outcome = _validate(obj)
        _count(kind, "accepted" if outcome == "accepted" else "rejected")
        body = json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                           "request": {"uid": "u", "object": obj}}).encode()
        answer = admission.review(body)["response"]
        assert isinstance(answer["allowed"], bool)
        if not answer["allowed"]:
            assert answer["status"]["message"].strip()
        elif kind != "Blueprint":
            raise AssertionError("the webhook allowed a non-Blueprint")

    began = time.monotonic()
    check()
    reliability_report.record("fuzz", {
        "input": f"{kind} documents from the CRD schema"
                 f"{' or valid for Kanister' if kind == 'Profile' else ''}, one path damaged",
        "examples": _COUNTS.get(f"{kind}:accepted", 0) + _COUNTS.get(f"{kind}:rejected", 0),
        "through": "parser, Kanister validation, admission review",
        "accepted": _COUNTS.get(f"{kind}:accepted", 0),
        "rejected with a message": _COUNTS.get(f"{kind}:rejected", 0),
        "crashes": 0, "seconds": round(time.monotonic() - began, 1), "held": True})


@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_garbage_bodies_to_the_webhook_are_a_review_error_or_an_answer(text: str) -> None:
    try:
        answer = admission.review(text.encode("utf-8", "surrogatepass"))
    except admission.ReviewError as exc:
        assert str(exc).strip()
        return
    assert isinstance(answer["response"]["allowed"], bool)


BOMBS = [
    '{{ repeat 100000000 "x" }}',
    "{{ until 1000000000 }}",
    "{{ range 100000000000 }}{{ end }}",
    '{{ $s := repeat 1000000 "x" }}{{ range 1000 }}{{ $s }}{{ end }}',
    '{{ $d := dict }}{{ range until 5000 }}{{ $d = dict "a" $d }}{{ end }}{{ $d }}',
    '{{ $s := "xxxxxxxx" }}{{ range until 64 }}{{ $s = cat $s $s }}{{ end }}',
    "{{ $d := list 1 }}{{ range until 64 }}{{ $d = list $d $d }}{{ end }}{{ toJson $d }}",
    '{{ define "a" }}{{ template "a" . }}{{ end }}{{ template "a" . }}',
    "{{ if true }}" * 3000 + "{{ end }}" * 3000,
    "{{ (" * 5000 + "1" + ") }}" * 5000,
    '{{ regexMatch "(a+)+$" "' + "a" * 5000 + 'b" }}',
    '{{ regexReplaceAll "(x*)*y" "' + "x" * 5000 + '" "z" }}',
    '{{ printf "%099999999d" 1 }}',
    '{{ $x := list }}{{ range until 100000 }}{{ $x = append $x "yyyyyyyyyyyyyyyyyyyy" }}{{ end }}',
]


@pytest.mark.parametrize("group", ["injection", "bombs"])
def test_attack_corpus_ends_within_the_budget(group: str) -> None:
    corpus = test_sandbox.SSTI if group == "injection" else BOMBS
    params = {"Options": {"a": "b"}, "L": ["x"]}
    worst, errors_seen, plain = 0.0, 0, 0
    for payload in corpus:
        started = time.monotonic()
        try:
            out = rendering.render(payload, params)
        except errors.TemplateError as exc:
            assert "Traceback" not in str(exc)
            errors_seen += 1
        else:
            # Go's semantics bound some (RE2 regexes are linear, a huge printf width is
            # %!(BADWIDTH)): they may render, within the output limit.
            assert len(out) <= execution.MAX_OUTPUT_CHARS, payload[:80]
            assert "class" not in out, payload
            plain += 1
        worst = max(worst, time.monotonic() - started)
        assert time.monotonic() - started < execution.MAX_RENDER_SECONDS + 5, payload[:80]
    reliability_report.record("fuzz", {
        "input": f"template {group} corpus", "examples": len(corpus), "through": "rendering",
        "accepted": plain, "rejected with a message": errors_seen, "crashes": 0,
        "seconds": round(worst, 2), "held": True})


@given(_kanister_profiles())
def test_the_profile_strategy_draws_profiles_kanister_accepts(document: dict[str, Any]) -> None:
    assert _validate(document) == "accepted"
