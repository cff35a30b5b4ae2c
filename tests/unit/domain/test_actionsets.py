"""kanctl's rules for building ActionSets: flag parsing, naming, one action per object, --from."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kes.domain import actionsets

NS = "apps"


def request(**fields: Any) -> actionsets.Request:
    return actionsets.Request(namespace=NS, **fields)


def test_references_parse_ref_namespace_name_and_repeat() -> None:
    refs = actionsets.parse_references(["a=ns1/s1,b=ns2/s.2", "c=ns3/s-3"], what="secrets")
    assert {k: (v["namespace"], v["name"]) for k, v in refs.items()} == {
        "a": ("ns1", "s1"), "b": ("ns2", "s.2"), "c": ("ns3", "s-3"),
    }
    assert set(refs["a"]) == {"apiVersion", "group", "resource", "kind", "name", "namespace"}


@pytest.mark.parametrize("bad", ["nope", "a=b", "=ns/name"])
def test_a_reference_without_ref_ns_name_is_kanctls_error(bad: str) -> None:
    with pytest.raises(actionsets.KanctlError) as error:
        actionsets.parse_references([bad], what="config maps")
    expected = f"failed to parse config maps: Expected ref=namespace/name. Got {bad}"
    assert str(error.value) == expected


def test_typed_objects_keep_flag_order_and_are_deduplicated() -> None:
    found = actionsets.ObjectList()
    found.add_typed_flags({
        actionsets.PVC: ["ns/data"],
        actionsets.DEPLOYMENT: ["ns/web,ns/web", "ns/api"],
        actionsets.NAMESPACE: ["prod"],
    })
    found.add_typed(kind=actionsets.DEPLOYMENT, namespace="ns", name="web")  # from a selector
    assert [(o["kind"], o["namespace"], o["name"]) for o in found.items] == [
        ("deployment", "ns", "web"), ("deployment", "ns", "api"), ("pvc", "ns", "data"),
        ("namespace", "prod", "prod"),
    ]


def test_a_typed_object_without_a_namespace_is_kanctls_error() -> None:
    with pytest.raises(actionsets.KanctlError, match=r"^failed to parse statefulset: Expected "
                                                      r"namespace/name\. Got db$"):
        actionsets.ObjectList().add_typed_flags({actionsets.STATEFULSET: ["db"]})


def test_generic_objects_keep_the_groups_trailing_slash() -> None:
    crd = actionsets.parse_generic_object("stable.example.com/v1/crontabs/ns/tab")
    assert (crd["group"], crd["apiVersion"], crd["resource"], crd["namespace"], crd["name"]) == (
        "stable.example.com/", "v1", "crontabs", "ns", "tab"
    )
    core = actionsets.parse_generic_object("v1/configmaps/ns/cm")
    assert (core["group"], core["apiVersion"], core["resource"]) == ("", "v1", "configmaps")
    assert core["kind"] == ""


def test_a_short_generic_object_is_kanctls_error() -> None:
    with pytest.raises(actionsets.KanctlError, match=r"^Expected group/version/resource/namespace/"
                                                     r"name or in the case of core group's"):
        actionsets.parse_generic_object("v1/pods/name")


def test_options_need_exactly_one_equals() -> None:
    assert actionsets.parse_options(["a=1,b=2", "c="]) == {"a": "1", "b": "2", "c": ""}
    with pytest.raises(actionsets.KanctlError, match=r"^Expected options as key=value pairs\. "
                                                     r"Got a=b=c$"):
        actionsets.parse_options(["a=b=c"])


def test_labels_trim_spaces_and_refuse_items_without_equals() -> None:
    assert actionsets.parse_labels("") is None
    assert actionsets.parse_labels(" team = db ,tier=gold") == {"team": "db", "tier": "gold"}
    with pytest.raises(actionsets.KanctlError, match=re.escape(actionsets.INVALID_LABELS)):
        actionsets.parse_labels("team=db,oops")


def test_pod_labels_and_annotations_are_validated_as_kanister_does() -> None:
    assert actionsets.parse_pod_metadata(["app=x,tier=y"], labels=True) == {"app": "x",
                                                                           "tier": "y"}
    assert actionsets.parse_pod_metadata(["note=any value!"], labels=False) == {
        "note": "any value!"
    }
    with pytest.raises(actionsets.KanctlError, match=r"^label value 'bad value' failed"):
        actionsets.parse_pod_metadata(["app=bad value"], labels=True)
    with pytest.raises(actionsets.KanctlError, match=r"^annotation key '-x' failed validation"):
        actionsets.parse_pod_metadata(["-x=1"], labels=False)
    with pytest.raises(actionsets.KanctlError, match="must be formatted as key=value"):
        actionsets.parse_pod_metadata(["novalue"], labels=True)


def test_profile_defaults_to_the_actionsets_namespace() -> None:
    assert actionsets.parse_profile("", namespace=NS) is None
    profile = actionsets.parse_profile("s3", namespace=NS)
    assert profile is not None and (profile["namespace"], profile["name"]) == (NS, "s3")
    other = actionsets.parse_profile("kanister/s3", namespace=NS)
    assert other is not None and (other["namespace"], other["name"]) == ("kanister", "s3")
    with pytest.raises(actionsets.KanctlError, match=r"^Invalid profile name a/b/c, should be"):
        actionsets.parse_profile("a/b/c", namespace=NS)


def test_repository_server_needs_a_namespace() -> None:
    with pytest.raises(actionsets.KanctlError, match=r"^Invalid repository server name rs,"):
        actionsets.parse_repository_server("rs")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"name": "mine", "action": "backup", "parent": "p"}, "mine"),
        ({"action": "backup", "parent": "p"}, "backup-p-xyz12"),
        ({"action": "backup"}, "backup-xyz12"),
        ({"parent": "p"}, "p-xyz12"),
    ],
)
def test_names_follow_kanctls_rules(fields: dict[str, str], expected: str) -> None:
    assert actionsets.generate_name(request(**fields), suffix="xyz12") == expected


def test_no_action_and_no_parent_is_kanctls_missing_action_error() -> None:
    with pytest.raises(actionsets.KanctlError, match=re.escape(actionsets.MISSING_ACTION_NAME)):
        actionsets.generate_name(request())


@given(st.integers(min_value=0, max_value=50))
def test_random_suffixes_use_kubernetes_alphabet(_: int) -> None:
    name = actionsets.generate_name(request(action="backup"))
    assert re.fullmatch(r"backup-[bcdfghjklmnpqrstvwxz2456789]{5}", name)


def _objects(*names: str) -> tuple[dict[str, str], ...]:
    return tuple(actionsets.reference(kind="deployment", namespace=NS, name=n) for n in names)


def test_a_new_actionset_has_one_action_per_object_sharing_the_rest() -> None:
    doc = actionsets.new_actionset(
        request(
            action="backup", blueprint="bp", objects=_objects("a", "b"),
            options={"k": "v"}, profile=actionsets.reference(name="s3", namespace=NS),
            secrets={"creds": actionsets.reference(name="s", namespace=NS)},
            labels={"team": "db"}, pod_labels={"app": "x"},
        ),
        suffix="abcde",
    )
    assert doc["apiVersion"] == "cr.kanister.io/v1alpha1" and doc["kind"] == "ActionSet"
    assert doc["metadata"] == {"name": "backup-abcde", "namespace": NS, "labels": {"team": "db"}}
    actions = doc["spec"]["actions"]
    assert [a["object"]["name"] for a in actions] == ["a", "b"]
    for action in actions:
        assert action["name"] == "backup" and action["blueprint"] == "bp"
        assert action["options"] == {"k": "v"} and action["profile"]["name"] == "s3"
        assert action["secrets"]["creds"]["name"] == "s" and action["podLabels"] == {"app": "x"}
        assert "configMaps" not in action and "artifacts" not in action


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"action": "backup", "blueprint": "bp"}, actionsets.NO_OBJECTS),
        ({"blueprint": "bp", "objects": _objects("a")},
         "action required to create new action set"),
        ({"action": "backup", "objects": _objects("a")},
         "blueprint required to create new action set"),
    ],
)
def test_a_new_actionset_needs_objects_action_and_blueprint(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(actionsets.KanctlError, match=f"^{re.escape(message)}$"):
        actionsets.new_actionset(request(**fields))


def _parent(state: str = "complete") -> dict[str, Any]:
    target = actionsets.reference(kind="deployment", namespace=NS, name="web")
    return {
        "metadata": {"name": "backup-x1"},
        "spec": {"actions": [{
            "name": "backup", "blueprint": "bp", "object": target,
            "options": {"keep": "parent", "both": "parent"},
            "secrets": {"creds": actionsets.reference(name="old", namespace=NS)},
            "profile": actionsets.reference(name="s3", namespace=NS),
        }]},
        "status": {"state": state, "actions": [{
            "name": "backup", "blueprint": "bp", "object": target,
            "artifacts": {"cloudObject": {"keyValue": {"path": "/backups/1"}}},
        }]},
    }


@pytest.mark.parametrize("state", ["pending", "running", "failed", ""])
def test_from_an_unfinished_parent_is_kanisters_error(state: str) -> None:
    with pytest.raises(actionsets.KanctlError,
                       match=r"^Request parent ActionSet backup-x1 has not been executed$"):
        actionsets.child_actionset(_parent(state), request(action="restore", parent="backup-x1"))


def test_from_a_complete_parent_copies_its_output_artifacts_and_merges_options() -> None:
    doc = actionsets.child_actionset(
        _parent(), request(action="restore", parent="backup-x1", options={"both": "new"}),
        suffix="q2w4e",
    )
    assert doc["metadata"]["name"] == "restore-backup-x1-q2w4e"
    (action,) = doc["spec"]["actions"]
    assert action["name"] == "restore" and action["blueprint"] == "bp"
    assert action["artifacts"] == {"cloudObject": {"keyValue": {"path": "/backups/1"}}}
    assert action["options"] == {"keep": "parent", "both": "new"}
    assert action["secrets"]["creds"]["name"] == "old" and action["profile"]["name"] == "s3"
    assert action["object"]["name"] == "web"


def test_from_with_overrides_and_objects_makes_one_action_per_object() -> None:
    doc = actionsets.child_actionset(
        _parent(),
        request(parent="backup-x1", blueprint="bp2", objects=_objects("x", "y"),
                secrets={"creds": actionsets.reference(name="new", namespace=NS)}),
        suffix="aaaaa",
    )
    assert doc["metadata"]["name"] == "backup-x1-aaaaa"
    actions = doc["spec"]["actions"]
    assert [(a["name"], a["blueprint"], a["object"]["name"]) for a in actions] == [
        ("backup", "bp2", "x"), ("backup", "bp2", "y"),
    ]
    assert all(a["secrets"]["creds"]["name"] == "new" for a in actions)
    assert all(a["artifacts"]["cloudObject"] for a in actions)


def test_checks_name_every_referenced_object_with_kanctls_kind_words() -> None:
    req = request(
        blueprint="bp", profile=actionsets.reference(name="s3", namespace="kanister"),
        config_maps={"c": actionsets.reference(name="cm", namespace="x")},
        secrets={"s": actionsets.reference(name="sec", namespace="y")},
    )
    checks = actionsets.resource_checks(req)
    assert [(c.label, c.resource, c.namespace, c.name) for c in checks] == [
        ("blueprint", "blueprints", NS, "bp"), ("profile", "profiles", "kanister", "s3"),
        ("config map", "configmaps", "x", "cm"), ("secret", "secrets", "y", "sec"),
    ]
    assert checks[0].message("gone") == (
        "Please make sure 'blueprint' with name 'bp' exists in namespace 'apps': gone"
    )


def test_object_checks_map_kinds_to_resources_and_strip_the_group_slash() -> None:
    objs = [
        *_objects("web"),
        actionsets.reference(kind="namespace", namespace="prod", name="prod"),
        actionsets.parse_generic_object("stable.example.com/v1/crontabs/ns/tab"),
    ]
    checks = actionsets.object_checks(objs)
    assert [(c.group, c.version, c.resource, c.namespace) for c in checks] == [
        ("apps", "v1", "deployments", NS), ("", "v1", "namespaces", ""),
        ("stable.example.com", "v1", "crontabs", "ns"),
    ]


def test_selector_kinds_follow_kanctls_fallthrough() -> None:
    assert actionsets.selector_kinds("all") == ("deployment", "deploymentconfig",
                                                "statefulset", "pvc")
    assert actionsets.selector_kinds("namespace") == ("namespace",)
    with pytest.raises(actionsets.KanctlError, match=r"^unsupported or unknown object kind 'pod'"):
        actionsets.selector_kinds("pod")


def test_built_documents_keep_every_field_through_kes_actionset_model() -> None:
    """The spec uses the CRD's field names: nothing is dropped by the resource model."""
    from kes.domain import resources_actionset

    doc = actionsets.child_actionset(
        _parent(),
        request(parent="backup-x1", action="restore", options={"n": "1"},
                config_maps={"c": actionsets.reference(name="cm", namespace=NS)},
                repository_server=actionsets.reference(name="rs", namespace="kanister"),
                pod_labels={"a": "b"}, pod_annotations={"c": "d"}, labels={"l": "v"}),
        suffix="zzzzz",
    )
    model = resources_actionset.ActionSet.model_validate(doc)
    dumped = model.model_dump(by_alias=True, exclude_defaults=True)
    assert _pruned(dumped["spec"]) == _pruned(doc["spec"])
    assert dumped["metadata"]["labels"] == {"l": "v"}


def _pruned(value: Any) -> Any:
    """Without empty strings and maps (the model leaves defaults out of its dump)."""
    if isinstance(value, dict):
        kept = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ("", {}, None)}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


@given(st.lists(st.tuples(st.sampled_from(actionsets.TYPED_KINDS[:4]),
                          st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True),
                          st.from_regex(r"[a-z][a-z0-9.]{0,8}", fullmatch=True)),
                max_size=12))
def test_typed_objects_appear_once_each_in_first_seen_order(
    triples: list[tuple[str, str, str]]
) -> None:
    found = actionsets.ObjectList()
    found.add_typed_flags({kind: [f"{ns}/{name}" for k, ns, name in triples if k == kind]
                           for kind in actionsets.TYPED_KINDS})
    got = [(o["kind"], o["namespace"], o["name"]) for o in found.items]
    assert len(got) == len(set(got)) == len(set(triples))
    for kind in actionsets.TYPED_KINDS:
        expected = list(dict.fromkeys(t for t in triples if t[0] == kind))
        assert [t for t in got if t[0] == kind] == expected
