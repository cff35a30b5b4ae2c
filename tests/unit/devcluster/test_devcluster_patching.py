"""Merge, JSON and strategic merge patches, and their dispatch by Content-Type."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kes.devcluster import patching


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [
        # The examples of RFC 7386 appendix A.
        pytest.param({"a": "b"}, {"a": "c"}, {"a": "c"}, id="replace"),
        pytest.param({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}, id="add"),
        pytest.param({"a": "b"}, {"a": None}, {}, id="delete"),
        pytest.param({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}, id="delete-one"),
        pytest.param({"a": ["b"]}, {"a": "c"}, {"a": "c"}, id="list-to-scalar"),
        pytest.param({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}, id="scalar-to-list"),
        pytest.param({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}},
                     id="nested"),
        pytest.param({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}, id="lists-replace"),
        pytest.param({"e": None}, {"a": 1}, {"e": None, "a": 1}, id="existing-null-kept"),
        pytest.param({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}, id="null-in-new"),
        pytest.param({"a": "foo"}, None, None, id="null-patch"),
    ],
)
def test_merge_patch(target: Any, patch: Any, expected: Any) -> None:
    before = copy.deepcopy(target)
    assert patching.merge_patch(target=target, patch=patch) == expected
    assert target == before


DOC = {"metadata": {"name": "x", "labels": {"a": "1"}}, "spec": {"items": ["p", "q"]}}


@pytest.mark.parametrize(
    ("operations", "expected"),
    [
        pytest.param([{"op": "add", "path": "/metadata/labels/b", "value": "2"}],
                     {"metadata": {"name": "x", "labels": {"a": "1", "b": "2"}},
                      "spec": {"items": ["p", "q"]}}, id="add-key"),
        pytest.param([{"op": "add", "path": "/spec/items/1", "value": "r"}],
                     {**DOC, "spec": {"items": ["p", "r", "q"]}}, id="add-insert"),
        pytest.param([{"op": "add", "path": "/spec/items/-", "value": "r"}],
                     {**DOC, "spec": {"items": ["p", "q", "r"]}}, id="add-append"),
        pytest.param([{"op": "remove", "path": "/spec/items/0"}],
                     {**DOC, "spec": {"items": ["q"]}}, id="remove-index"),
        pytest.param([{"op": "replace", "path": "/metadata/name", "value": "y"}],
                     {**DOC, "metadata": {"name": "y", "labels": {"a": "1"}}}, id="replace"),
        pytest.param([{"op": "move", "from": "/metadata/labels", "path": "/spec/labels"}],
                     {"metadata": {"name": "x"},
                      "spec": {"items": ["p", "q"], "labels": {"a": "1"}}},
                     id="move"),
        pytest.param([{"op": "copy", "from": "/metadata/name", "path": "/spec/name"}],
                     {**DOC, "spec": {"items": ["p", "q"], "name": "x"}}, id="copy"),
        pytest.param([{"op": "test", "path": "/metadata/name", "value": "x"},
                      {"op": "remove", "path": "/metadata/labels/a"}],
                     {**DOC, "metadata": {"name": "x", "labels": {}}}, id="test-then-remove"),
        pytest.param([{"op": "add", "path": "/metadata/labels/a~1b", "value": "s"}],
                     {**DOC, "metadata": {"name": "x", "labels": {"a": "1", "a/b": "s"}}},
                     id="escaped-slash"),
        pytest.param([], DOC, id="empty"),
    ],
)
def test_json_patch(operations: list[dict[str, Any]], expected: Any) -> None:
    before = copy.deepcopy(DOC)
    assert patching.json_patch(target=DOC, operations=operations) == expected
    assert before == DOC


@pytest.mark.parametrize(
    ("operations", "code", "message"),
    [
        pytest.param([{"op": "test", "path": "/metadata/name", "value": "z"}], 422,
                     "testing value /metadata/name failed", id="test-fails"),
        pytest.param([{"op": "remove", "path": "/metadata/nope"}], 422,
                     'remove operation does not apply: doc is missing path: "/metadata/nope"',
                     id="remove-missing"),
        pytest.param([{"op": "replace", "path": "/nope/x", "value": 1}], 422,
                     "replace operation does not apply", id="replace-missing"),
        pytest.param([{"op": "add", "path": "/spec/items/9", "value": 1}], 422,
                     "index out of bounds", id="add-out-of-bounds"),
        pytest.param([{"op": "jump", "path": "/a"}], 422, "Unexpected kind: jump",
                     id="unknown-op"),
        pytest.param({"op": "add"}, 400, "error decoding patch: json: cannot unmarshal object "
                     "into Go value of type []handlers.jsonPatchOp", id="not-a-list"),
        pytest.param([{"op": "add", "path": "/a"}], 422, "missing value", id="add-no-value"),
        pytest.param([{"op": "move", "from": "/spec", "path": "/spec/x"}], 422, "is a prefix",
                     id="move-into-self"),
        pytest.param([{"op": "add", "path": "a", "value": 1}], 422, "JSON pointer",
                     id="pointer-without-slash"),
    ],
)
def test_json_patch_errors(operations: Any, code: int, message: str) -> None:
    with pytest.raises(patching.PatchError) as info:
        patching.json_patch(target=DOC, operations=operations)
    assert info.value.code == code
    assert message in info.value.detail
    if code == 422:  # what kube-apiserver 1.37 says, whatever the operation's problem
        assert str(info.value) == patching.JSON_PATCH_FAILED


def test_json_patch_is_all_or_nothing() -> None:
    before = copy.deepcopy(DOC)
    with pytest.raises(patching.PatchError):
        patching.json_patch(target=DOC, operations=[{"op": "remove", "path": "/metadata/labels"},
                                  {"op": "test", "path": "/metadata/name", "value": "z"}])
    assert before == DOC


def test_json_patch_operation_limit_is_413() -> None:
    ops = [{"op": "test", "path": "", "value": {}}] * (patching.MAX_JSON_PATCH_OPERATIONS + 1)
    with pytest.raises(patching.PatchError) as info:
        patching.json_patch(target={}, operations=ops)
    assert (info.value.code, info.value.reason) == (413, "RequestEntityTooLarge")


def _deployment(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {"kind": "Deployment",
            "spec": {"template": {"spec": {"containers": containers, **spec}}}}


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


BASE = _deployment(
    [
        {"name": "main", "image": "a:1", "env": [{"name": "A", "value": "1"}],
         "ports": [{"containerPort": 80, "name": "http"}]},
        {"name": "side", "image": "s:1"},
    ],
    volumes=[{"name": "data", "emptyDir": {}}],
)


@pytest.mark.parametrize(
    ("patch", "check"),
    [
        pytest.param(
            _deployment([{"name": "main", "image": "a:2"}]),
            lambda r: [c["image"] for c in _containers(r)] == ["a:2", "s:1"]
            and _containers(r)[0]["env"] == [{"name": "A", "value": "1"}],
            id="container-by-name-keeps-others",
        ),
        pytest.param(
            _deployment([{"name": "new", "image": "n:1"}]),
            # As kube-apiserver 1.37 orders it (mergeSortedSlice): a new element goes first.
            lambda r: [c["name"] for c in _containers(r)] == ["new", "main", "side"],
            id="container-added-first",
        ),
        pytest.param(
            _deployment([{"name": "side", "$patch": "delete"}]),
            lambda r: [c["name"] for c in _containers(r)] == ["main"],
            id="container-deleted",
        ),
        pytest.param(
            _deployment([{"name": "main", "env": [{"name": "B", "value": "2"}]}]),
            lambda r: _containers(r)[0]["env"] == [{"name": "B", "value": "2"},
                                                   {"name": "A", "value": "1"}],
            id="env-by-name",
        ),
        pytest.param(
            _deployment([{"name": "main", "env": [{"name": "A", "value": "9"}]}]),
            lambda r: _containers(r)[0]["env"] == [{"name": "A", "value": "9"}],
            id="env-replaced-in-place",
        ),
        pytest.param(
            _deployment([{"name": "main", "ports": [{"containerPort": 443}]}]),
            lambda r: [p["containerPort"] for p in _containers(r)[0]["ports"]] == [443, 80],
            id="ports-by-container-port",
        ),
        pytest.param(
            _deployment([{"name": "main", "command": ["sh"]}]),
            lambda r: _containers(r)[0]["command"] == ["sh"],
            id="non-keyed-list-set",
        ),
        pytest.param(
            _deployment([], volumes=[{"name": "cache", "emptyDir": {}}]),
            lambda r: [v["name"] for v in r["spec"]["template"]["spec"]["volumes"]]
            == ["cache", "data"],
            id="volumes-by-name",
        ),
        pytest.param(
            _deployment([{"$patch": "replace"}, {"name": "only", "image": "o"}]),
            lambda r: _containers(r) == [{"name": "only", "image": "o"}],
            id="list-replace-directive",
        ),
        pytest.param(
            {"spec": {"template": {"spec": {"$patch": "replace", "containers": []}}}},
            lambda r: r["spec"]["template"]["spec"] == {"containers": []},
            id="map-replace-directive",
        ),
        pytest.param(
            {"spec": {"template": {"$patch": "delete"}}},
            lambda r: r["spec"] == {},
            id="map-delete-directive",
        ),
        pytest.param(
            {"spec": {"template": {"spec": {"$retainKeys": ["containers"], "containers": []}}}},
            lambda r: list(r["spec"]["template"]["spec"]) == ["containers"],
            id="retain-keys",
        ),
        pytest.param(
            {"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "side"}, {"name": "main"}],
                "containers": [{"name": "main", "image": "a:3"}]}}}},
            lambda r: [c["name"] for c in _containers(r)] == ["side", "main"]
            and _containers(r)[1]["image"] == "a:3",
            id="set-element-order",
        ),
        pytest.param(
            {"spec": {"replicas": 3}, "metadata": {"labels": {"x": None}}},
            lambda r: r["spec"]["replicas"] == 3 and r["metadata"]["labels"] == {},
            id="scalars-and-null",
        ),
    ],
)
def test_strategic_merge_patch(patch: dict[str, Any], check: Any) -> None:
    before = copy.deepcopy(BASE)
    result = patching.strategic_merge_patch(target=BASE, patch=patch, kind="Deployment")
    assert check(result), result
    assert before == BASE


def test_strategic_finalizers_union_and_delete_from_primitive_list() -> None:
    obj = {"metadata": {"finalizers": ["a", "b"]}}
    added = patching.strategic_merge_patch(
        target=obj, patch={"metadata": {"finalizers": ["b", "c"]}}, kind="ConfigMap")
    assert added["metadata"]["finalizers"] == ["a", "b", "c"]
    removed = patching.strategic_merge_patch(
        target=obj, patch={"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}},
        kind="ConfigMap")
    assert removed["metadata"]["finalizers"] == ["b"]


def test_service_ports_merge_by_port() -> None:
    svc = {"spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    result = patching.strategic_merge_patch(
        target=svc, patch={"spec": {"ports": [{"port": 80, "targetPort": 9090}, {"port": 443}]}},
        kind="Service")
    assert result["spec"]["ports"] == [{"port": 80, "targetPort": 9090}, {"port": 443}]


def test_strategic_missing_merge_key_is_bad_request() -> None:
    with pytest.raises(patching.PatchError) as info:
        patching.strategic_merge_patch(target=BASE, patch=_deployment([{"image": "x"}]),
                                       kind="Deployment")
    assert info.value.code == 400
    assert str(info.value) == "map: map[image:x] does not contain declared merge key: name"


def test_strategic_unknown_directive_is_bad_request() -> None:
    with pytest.raises(patching.PatchError) as info:
        patching.strategic_merge_patch(
            target={}, patch={"spec": {"$patch": "explode", "a": [1, None]}}, kind="Pod")
    assert info.value.code == 400
    assert str(info.value) == "Unknown patch type: explode in map: map[$patch:explode a:[1 <nil>]]"


def test_kubectl_apply_style_patch_on_configmap() -> None:
    live = {"kind": "ConfigMap", "data": {"mode": "one"},
            "metadata": {"name": "c", "annotations": {"last": "1"}}}
    patch = {"data": {"mode": "two"}, "metadata": {"annotations": {"last": "2"}}}
    result = patching.apply_patch(live, patch, content_type=patching.STRATEGIC_MERGE_PATCH,
                                  kind="ConfigMap")
    assert result["data"] == {"mode": "two"}
    assert result["metadata"] == {"name": "c", "annotations": {"last": "2"}}


@pytest.mark.parametrize(
    ("content_type", "patch", "builtin", "expected"),
    [
        pytest.param("application/merge-patch+json", {"spec": {"a": None}}, False,
                     {"spec": {"b": [2]}}, id="merge"),
        pytest.param("application/json-patch+json; charset=utf-8",
                     [{"op": "replace", "path": "/spec/a", "value": 5}], True,
                     {"spec": {"a": 5, "b": [2]}}, id="json-with-parameters"),
        pytest.param("application/strategic-merge-patch+json", {"spec": {"b": [3]}}, True,
                     {"spec": {"a": 1, "b": [3]}}, id="strategic"),
        pytest.param("application/apply-patch+yaml", {"spec": {"c": 1}}, False,
                     {"spec": {"a": 1, "b": [2], "c": 1}}, id="server-side-apply"),
    ],
)
def test_apply_patch_dispatch(content_type: str, patch: Any, builtin: bool,
                              expected: dict[str, Any]) -> None:
    target = {"spec": {"a": 1, "b": [2]}}
    assert patching.apply_patch(target, patch, content_type=content_type, kind="Widget",
                                builtin=builtin) == expected


@pytest.mark.parametrize(
    ("content_type", "builtin"),
    [
        pytest.param("application/strategic-merge-patch+json", False, id="strategic-on-cr"),
        pytest.param("application/json", True, id="plain-json"),
        pytest.param("text/plain", True, id="text"),
    ],
)
def test_apply_patch_unsupported_is_415(content_type: str, builtin: bool) -> None:
    with pytest.raises(patching.PatchError) as info:
        patching.apply_patch({}, {}, content_type=content_type, kind="Widget", builtin=builtin)
    assert (info.value.code, info.value.reason) == (415, "UnsupportedMediaType")
    assert "accepted media types include: application/json-patch+json" in str(info.value)


def test_merge_patch_must_be_an_object() -> None:
    with pytest.raises(patching.PatchError) as info:
        patching.apply_patch({}, [1], content_type=patching.MERGE_PATCH, kind="ConfigMap")
    assert info.value.code == 400


def test_server_side_apply_creates_when_absent() -> None:
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    assert patching.server_side_apply(live=None, applied=applied, kind="ConfigMap") == applied


@pytest.mark.parametrize(
    ("operation", "code"),
    [
        pytest.param({"op": "add", "value": 1}, 422, id="no-path"),
        pytest.param({"op": "move", "path": "/a"}, 422, id="move-no-from"),
        pytest.param({"op": "copy", "path": "/a", "from": 3}, 422, id="copy-bad-from"),
        pytest.param("add", 400, id="not-an-object"),
    ],
)
def test_json_patch_malformed_operations_are_refused(operation: Any, code: int) -> None:
    """As kube-apiserver 1.37: what does not decode is 400, an unusable operation 422."""
    with pytest.raises(patching.PatchError) as info:
        patching.json_patch(target=DOC, operations=[operation])
    assert info.value.code == code


def test_volume_source_switch_with_retain_keys() -> None:
    # kubectl apply sends $retainKeys in a volume when its source kind changes.
    patch = _deployment([], volumes=[
        {"name": "data", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cfg"}}])
    result = patching.strategic_merge_patch(target=BASE, patch=patch, kind="Deployment")
    assert result["spec"]["template"]["spec"]["volumes"] == [
        {"name": "data", "configMap": {"name": "cfg"}}]


def test_replace_directive_in_an_element_replaces_the_whole_list() -> None:
    # apimachinery's mergeSliceWithSpecialElements: any {"$patch": "replace"} element turns the
    # list into the patch's ordinary elements, directives dropped.
    patch = _deployment([{"name": "main", "$patch": "replace", "image": "a:9"},
                         {"name": "gone", "$patch": "delete"}, {"name": "new", "image": "n"}])
    result = patching.strategic_merge_patch(target=BASE, patch=patch, kind="Deployment")
    assert _containers(result) == [{"name": "new", "image": "n"}]


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        pytest.param("merge", "merging lists cannot yet be specified in the patch", id="merge"),
        pytest.param("bogus", "Unknown patch type: bogus in map: map[$patch:bogus name:main]",
                     id="unknown"),
    ],
)
def test_bad_list_directives(directive: str, message: str) -> None:
    patch = _deployment([{"name": "main", "$patch": directive}])
    with pytest.raises(patching.PatchError) as info:
        patching.strategic_merge_patch(target=BASE, patch=patch, kind="Deployment")
    assert (info.value.code, str(info.value)) == (400, message)
