"""The apiserver's decoding and validation rules as pure functions (kes.devcluster.validation).

The base64 and quantity tables were produced by Go itself (`encoding/base64` and
k8s.io/apimachinery's `resource.ParseQuantity`) on the same inputs.
"""

from __future__ import annotations

import pytest

from kes.devcluster.validation import decoding, fields, objects, pods

QUANTITY_FORMAT = ("quantities must match the regular expression "
                   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
SUFFIX = "unable to parse quantity's suffix"


@pytest.mark.parametrize(("text", "offset"), [
    ("admin", 4), ("My-pass-123", 2), ("s3cr3t-not-for-production", 6), ("YWRtaW4=", None),
    ("YWRtaW4", 4), ("YWRtaQ==", None), ("YWRtaQ=", 7), ("YQ=", 3), ("Y", 0), ("=", 0),
    ("YWJj\nZGVm", None), ("YWJj\nZGV=\n=", 10), ("YQ==YQ==", 4), ("YQ==\n", None),
    ("YQ=\n=", None), ("YQ=\nx", 3), ("YWJjZA=Z", 6), ("abcd====", 4), ("\n\n\n", None),
    ("aGVsbG8gd29ybGQ=x", 16), ("aGVsbG8gd29ybGQ==", 16), ("aGVs bG8=", 4), ("ab=c", 2),
    ("", None),
])
def test_base64_errors_are_gos(text: str, offset: int | None) -> None:
    expected = None if offset is None else f"illegal base64 data at input byte {offset}"
    assert decoding.base64_error(text) == expected


@pytest.mark.parametrize(("value", "error"), [
    ("1", None), ("100m", None), ("1Gi", None), ("1.5", None), ("1e3", None), ("1E", None),
    (".", None), ("+", None), ("0.5Mi", None), ("1e-3", None), ("00", None), (2, None),
    (0.5, None), (None, None), (" 1 ", None),
    ("1.5.5", QUANTITY_FORMAT), ("abc", QUANTITY_FORMAT), ("1KiB", QUANTITY_FORMAT),
    ("5Z", QUANTITY_FORMAT), ("2Gb", QUANTITY_FORMAT), ("", QUANTITY_FORMAT),
    (True, QUANTITY_FORMAT), ({"a": 1}, QUANTITY_FORMAT),
    ("1e", SUFFIX), ("1mi", SUFFIX), ("1ii", SUFFIX), ("1e+", SUFFIX),
])
def test_quantity_errors_are_apimachinerys(value: object, error: str | None) -> None:
    assert decoding.quantity_error(value) == error


def test_decoding_names_the_kind_and_version() -> None:
    secret = {"data": {"a": "YQ==", "b": 5}}
    assert decoding.error(group="", version="v1", kind="Secret", obj=secret) == (
        'Secret in version "v1" cannot be handled as a Secret: json: cannot unmarshal number '
        "into Go struct field Secret.data of type []uint8")
    deployment = {"spec": {"template": {"spec": {"containers": [
        {"resources": {"limits": {"cpu": "lots"}}}]}}}}
    assert decoding.error(group="apps", version="v1", kind="Deployment", obj=deployment) == (
        f'Deployment in version "apps/v1" cannot be handled as a Deployment: {QUANTITY_FORMAT}')
    assert decoding.error(group="", version="v1", kind="ConfigMap",
                          obj={"data": {"a": "not base64"}}) is None


@pytest.mark.parametrize(("rule", "value", "messages"), [
    pytest.param(fields.dns1123_label, "a.b", ["must not contain dots"], id="label-dots"),
    pytest.param(fields.dns1123_label, "x" * 64, ["must be no more than 63 characters"],
                 id="label-long"),
    pytest.param(fields.path_segment, "a/b%c", ["may not contain '/'", "may not contain '%'"],
                 id="segment"),
    pytest.param(fields.path_segment, "..", ["may not be '..'"], id="segment-dotdot"),
    pytest.param(fields.label_key, "/x", ["prefix part must be non-empty"], id="key-prefix"),
    pytest.param(fields.label_key, "a/b/c", [
        "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must "
        "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
        "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
        "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"],
        id="key-slashes"),
    pytest.param(fields.config_key, "..x", ["must not start with '..'"], id="config-dotdot"),
    pytest.param(fields.env_var_name, "A=B", [
        "a valid environment variable name must consist only of printable ASCII characters "
        "other than '='"], id="env-equals"),
    pytest.param(fields.env_var_name, "1.relaxed-Name", [], id="env-relaxed"),
    pytest.param(fields.port_name, "-Http--", [
        "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
        "must not contain consecutive hyphens", "must not begin or end with a hyphen"],
        id="port-name"),
])
def test_formats_give_the_apiservers_details(rule: object, value: str,
                                             messages: list[str]) -> None:
    assert callable(rule)
    assert rule(value) == messages


def test_generate_name_may_end_in_a_dash_and_rbac_names_may_hold_colons() -> None:
    meta = {"generateName": "kanister-job-"}
    assert objects.metadata(group="", kind="Pod", meta=meta) == []
    bad = objects.metadata(group="", kind="Pod", meta={"generateName": "Job-"})
    assert [e.field for e in bad] == ["metadata.generateName"]
    assert objects.metadata(group="rbac.authorization.k8s.io", kind="ClusterRole",
                            meta={"name": "system:kes"}) == []


def test_annotations_are_limited_to_256_kib() -> None:
    errs = objects.metadata(group="", kind="ConfigMap",
                            meta={"name": "a", "annotations": {"k": "v" * 262144}})
    assert [e.message() for e in errs] == [
        "metadata.annotations: Too long: may not be more than 262144 bytes"]


def test_statefulset_claim_templates_are_volumes_of_its_pods() -> None:
    spec = {"containers": [{"name": "c", "image": "x",
                            "volumeMounts": [{"name": "data", "mountPath": "/d"}]}]}
    assert pods.pod_spec(spec, path="spec.template.spec",
                         claim_templates=frozenset({"data"})) == []
    assert [e.message() for e in pods.pod_spec(spec, path="spec")] == [
        'spec.containers[0].volumeMounts[0].name: Not found: "data"']


def test_pod_spec_checks_names_sources_and_policy() -> None:
    spec = {"volumes": [{"name": "a"}, {"name": "b", "emptyDir": {}, "hostPath": {"path": "/"}}],
            "containers": [{"name": "x", "image": ""}],
            "initContainers": [{"name": "x", "image": "i"}], "restartPolicy": "Sometimes"}
    assert [e.message() for e in pods.pod_spec(spec, path="spec")] == [
        "spec.volumes[0]: Required value: must specify a volume type",
        "spec.volumes[1].hostPath: Forbidden: may not specify more than 1 volume type",
        "spec.containers[0].image: Required value",
        'spec.initContainers[0].name: Duplicate value: "x"',
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
        '"Never", "OnFailure"',
    ]


def test_several_errors_are_listed_once_in_brackets() -> None:
    error = fields.invalid("metadata.name", "A", "bad")
    assert fields.invalid_message(kind="Deployment", group="apps", name="A",
                                  errors=[error, error]) == (
        'Deployment.apps "A" is invalid: metadata.name: Invalid value: "A": bad')
    other = fields.required("spec.containers")
    assert fields.invalid_message(kind="Pod", group="", name="p", errors=[error, other]) == (
        'Pod "p" is invalid: [metadata.name: Invalid value: "A": bad, spec.containers: '
        "Required value]")
