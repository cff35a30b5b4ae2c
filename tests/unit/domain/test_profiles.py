"""Profiles as kando and LocationDelete receive them, and Kanister's object keys."""

from __future__ import annotations

import base64
import json

import pytest

from kes.domain import params, profiles
from kes.domain.templates import rendering

KEY_PAIR_JSON = (
    '{"Location":{"type":"s3Compliant","bucket":"b","endpoint":"http://127.0.0.1:9000",'
    '"prefix":"p","region":"r"},"Credential":{"Type":"keyPair","KeyPair":{"ID":"AKID",'
    '"Secret":"SECRETKEY"},"Secret":null,"KopiaServerSecret":null},"SkipSSLVerify":true}'
)


def test_the_rendered_key_pair_profile_parses() -> None:
    found = profiles.from_json(KEY_PAIR_JSON)
    assert found.location == profiles.Location(
        "s3Compliant", "b", "http://127.0.0.1:9000", "p", "r")
    assert found.credential.type == "keyPair"
    assert found.credential.key_pair == profiles.KeyPair("AKID", "SECRETKEY")
    assert found.skip_ssl_verify is True
    assert sorted(map(str, found.secret_values())) == ["AKID", "SECRETKEY"]


def test_what_kes_renders_for_a_typed_secret_round_trips() -> None:
    secret = params.secret({
        "metadata": {"name": "s", "namespace": "ns"},
        "type": "secrets.kanister.io/aws",
        "data": {"aws_access_key_id": base64.b64encode(b"AKID").decode(),
                 "aws_secret_access_key": base64.b64encode(b"SECRET").decode()},
    })
    profile = params.profile(
        spec={"location": {"type": "s3Compliant", "bucket": "b", "region": "r"},
              "credential": {"type": "secret"}},
        key_pair=None, credential_secret=secret,
    )
    text = rendering.render("{{ toJson .Profile }}", params.template_params(Profile=profile))
    found = profiles.from_json(text)
    assert found.credential.secret is not None
    assert found.credential.secret.type == "secrets.kanister.io/aws"
    assert found.credential.secret.data == {"aws_access_key_id": b"AKID",
                                            "aws_secret_access_key": b"SECRET"}
    assert (found.credential.secret.name, found.credential.secret.namespace) == ("s", "ns")


def test_go_shaped_secret_json_with_metadata_parses() -> None:
    doc = {"Credential": {"Type": "secret", "Secret": {
        "metadata": {"name": "s", "namespace": "n"}, "type": "t",
        "data": {"k": base64.b64encode(b"v").decode()}}}}
    found = profiles.from_json(json.dumps(doc))
    assert found.credential.secret == profiles.CredentialSecret("s", "n", "t", {"k": b"v"})


def test_field_names_match_case_insensitively_as_in_go() -> None:
    found = profiles.from_json('{"location":{"TYPE":"gcs","Bucket":"x"},"skipsslverify":false}')
    assert found.location.type == "gcs" and found.location.bucket == "x"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('{"Location":', "failed to unmarshal profile: Expecting value at offset 12",
                     id="truncated"),
        pytest.param('{"SkipSSLVerify":"yes"}',
                     "failed to unmarshal profile: json: cannot unmarshal string into Go struct "
                     "field Profile.SkipSSLVerify of type bool", id="bool-as-string"),
        pytest.param('{"Location":{"bucket":3}}',
                     "failed to unmarshal profile: json: cannot unmarshal number into Go struct "
                     "field Location.bucket of type string", id="number-as-string"),
        pytest.param('["x"]', "failed to unmarshal profile: json: cannot unmarshal array into "
                     "Go value of type object", id="array"),
    ],
)
def test_bad_profile_json_is_refused_without_quoting_values(text: str, message: str) -> None:
    with pytest.raises(profiles.ProfileError) as caught:
        profiles.from_json(text)
    assert str(caught.value) == message


def test_from_params_reads_the_plain_template_params() -> None:
    profile = params.profile(
        spec={"location": {"type": "s3Compliant", "bucket": "b", "prefix": "p"},
              "credential": {"type": "keyPair"}, "skipSSLVerify": True},
        key_pair=("id", "sec"), credential_secret=None,
    )
    found = profiles.from_params(params.to_plain(profile))
    assert found == profiles.ResolvedProfile(
        location=profiles.Location(type="s3Compliant", bucket="b", prefix="p"),
        credential=profiles.Credential(type="keyPair", key_pair=profiles.KeyPair("id", "sec")),
        skip_ssl_verify=True,
    )
    assert profiles.from_params(None) is None


@pytest.mark.parametrize(
    ("prefix", "path", "key"),
    [
        pytest.param("backups", "mysql/dump.gz", "backups/mysql/dump.gz", id="joined"),
        pytest.param("backups/", "/mysql//dump.gz", "backups/mysql/dump.gz", id="slashes"),
        pytest.param("", "/abs/x", "abs/x", id="no-prefix-absolute-path"),
        pytest.param("/p", "", "p", id="no-path"),
        pytest.param("p", "../../etc/x", "etc/x", id="dotdot-cannot-climb-above-root"),
        pytest.param("p", "./a/./b", "p/a/b", id="dots"),
        pytest.param("", "", "", id="empty"),
    ],
)
def test_object_keys_are_kanisters(prefix: str, path: str, key: str) -> None:
    assert profiles.object_key(prefix, path) == key


@pytest.mark.parametrize(
    ("prefix", "path", "expected"),
    [
        pytest.param("p", "a", "p/a", id="joined"),
        pytest.param("", "", "", id="everything"),
        pytest.param("p/", "/", "p", id="trailing-slash-dropped"),
    ],
)
def test_delete_prefixes_are_kanisters(prefix: str, path: str, expected: str) -> None:
    assert profiles.delete_prefix(prefix, path) == expected


@pytest.mark.parametrize(
    ("path", "clean"),
    [("", "."), ("//a//b/", "/a/b"), ("/..", "/"), ("a/../..", ".."), ("./", "."),
     ("a/./b", "a/b")],
)
def test_go_clean(path: str, clean: str) -> None:
    assert profiles.go_clean(path) == clean
