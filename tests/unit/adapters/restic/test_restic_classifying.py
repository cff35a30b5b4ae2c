"""Classifying restic failures: stderr of restic 0.14, 0.16.5 (real runs) and 0.17/0.18 (source)."""

from __future__ import annotations

import pytest

from kes.adapters.restic import classifying

K = classifying.Kind
NO_REPO_016 = (
    "Fatal: unable to open config file: stat /tmp/r/config: no such file or directory\n"
    "Is there a repository at the following location?\n/tmp/r\n"
)
NO_REPO_017 = (
    "Fatal: repository does not exist: unable to open config file: Stat: The specified key "
    "does not exist.\nIs there a repository at the following location?\ns3:http://h/b/p\n"
)
REFUSED = (
    'Fatal: unable to open config file: Stat: Get "http://127.0.0.1:1/bucket/?location=": dial '
    "tcp 127.0.0.1:1: connect: connection refused\nIs there a repository at the following "
    "location?\ns3:http://127.0.0.1:1/bucket/x\n"
)
NO_BUCKET = (
    "Fatal: unable to open config file: Stat: The specified bucket does not exist\n"
    "Is there a repository at the following location?\ns3:http://127.0.0.1:35991/nobucket/x\n"
)


@pytest.mark.parametrize(
    ("stderr", "exit_code", "kind"),
    [
        pytest.param("Fatal: wrong password or no key found\n", 1, K.WRONG_PASSWORD, id="pw-0.16"),
        pytest.param("Fatal: wrong password or no key found\n", 12, K.WRONG_PASSWORD, id="pw-0.17"),
        pytest.param(NO_REPO_016, 1, K.REPOSITORY_MISSING, id="no-repo-0.16"),
        pytest.param(NO_REPO_017, 10, K.REPOSITORY_MISSING, id="no-repo-0.17"),
        pytest.param(REFUSED, 1, K.UNREACHABLE, id="refused"),
        pytest.param(REFUSED, 10, K.UNREACHABLE, id="refused-0.17-exit-10"),
        pytest.param(
            "Fatal: …: dial tcp: lookup nowhere.invalid: no such host\n", 1, K.UNREACHABLE, id="dns"
        ),
        pytest.param(NO_BUCKET, 1, K.BUCKET_MISSING, id="bucket"),
        pytest.param("Fatal: …: storage: bucket doesn't exist\n", 1, K.BUCKET_MISSING, id="gcs"),
        pytest.param(
            'Fatal: …: Get "https://h/": x509: certificate signed by unknown authority\n',
            1,
            K.TLS,
            id="tls",
        ),
        pytest.param("Fatal: …: Access Denied.\n", 1, K.ACCESS_DENIED, id="denied"),
        pytest.param(
            "Fatal: …: The AWS Access Key Id you provided does not exist in our records.\n",
            1,
            K.ACCESS_DENIED,
            id="bad-key-id",
        ),
        pytest.param(
            'Fatal: failed to find snapshot: no matching ID found for prefix "deadbeef"\n',
            1,
            K.SNAPSHOT_NOT_FOUND,
            id="id-0.16",
        ),
        pytest.param(
            "Fatal: failed to find snapshot: snapshot filter (Paths:[] Tags:[[nope]] "
            "Hosts:[]): no snapshot found\n",
            1,
            K.SNAPSHOT_NOT_FOUND,
            id="tag-0.16",
        ),
        pytest.param(
            "latest snapshot for criteria not found: no snapshot matched given filter "
            "(Paths:[] Tags:[t] Hosts:[])\n",
            1,
            K.SNAPSHOT_NOT_FOUND,
            id="tag-0.14",
        ),
        pytest.param(
            "unable to create lock in backend: repository is already locked exclusively by PID 1\n",
            11,
            K.LOCKED,
            id="locked",
        ),
        pytest.param("Fatal: something else\n", 1, K.OTHER, id="other"),
        pytest.param(
            '{"message_type":"exit_error","code":12,"message":"wrong password or no key found"}\n',
            12,
            K.WRONG_PASSWORD,
            id="0.18-json",
        ),
    ],
)
def test_classify(stderr: str, exit_code: int, kind: classifying.Kind) -> None:
    assert classifying.classify(stderr=stderr, exit_code=exit_code).kind is kind


def test_detail_is_the_fatal_lines() -> None:
    stderr = "unable to open cache: no HOME\n" + NO_REPO_016
    assert classifying.detail_of(stderr) == (
        "Fatal: unable to open config file: stat /tmp/r/config: no such file or directory "
        "Is there a repository at the following location? /tmp/r"
    )
    json_error = '{"message_type":"exit_error","code":12,"message":"wrong password"}\n'
    assert classifying.detail_of(json_error) == "Fatal: wrong password"


@pytest.mark.parametrize(
    ("kind", "advice"),
    [
        (K.WRONG_PASSWORD, "Set encryptionKey"),
        (K.REPOSITORY_MISSING, "backupArtifactPrefix"),
        (K.BUCKET_MISSING, "Create the bucket"),
        (K.UNREACHABLE, "location.endpoint"),
        (K.TLS, "insecureTLS"),
        (K.ACCESS_DENIED, "Secret"),
        (K.SNAPSHOT_NOT_FOUND, "backup identifier"),
        (K.LOCKED, "restic unlock"),
        (K.OTHER, "restic failed"),
    ],
)
def test_each_kind_says_what_to_do(kind: classifying.Kind, advice: str) -> None:
    message = classifying.explain(classifying.Failure(kind, "Fatal: x"), repository="s3:h/b/p")
    assert advice in message
    assert "s3:h/b/p" in message and "(restic: Fatal: x)" in message
