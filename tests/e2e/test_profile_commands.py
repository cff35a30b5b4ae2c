"""`kes profile create|validate` and `kes validate profile` against the local cluster and moto."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from e2e_harness import ROOT, ControllerProcess, Kube
from s3_harness import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, S3Server

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(autouse=True)
def crds_installed(controller: ControllerProcess) -> None:
    """The controller installs kes's CRDs (Profiles among them) when it starts."""

STAGES = [
    "Passed the 'Validate Profile schema' check.. ✅",
    "Passed the 'Validate bucket region specified in profile' check.. ✅",
    "Passed the 'Validate read access to bucket specified in profile' check.. ✅",
    "Passed the 'Validate write access to bucket specified in profile' check.. ✅",
    "All checks passed.. ✅",
]


def kes(kube: Kube, *args: str, env: dict[str, str] | None = None,
        stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kes.cli", *args, "--kubeconfig", str(kube.kubeconfig)],
        capture_output=True, text=True, cwd=ROOT, timeout=120, input=stdin,
        env={**os.environ, **(env or {})},
    )


def names(kube: Kube, kind: str, namespace: str) -> list[str]:
    listed = json.loads(kube.run("get", kind, "-n", namespace, "-o", "json").stdout)["items"]
    return sorted(item["metadata"]["name"] for item in listed)


def test_create_validates_then_creates_the_secret_and_the_profile(
    kube: Kube, namespace: str, moto_s3: S3Server
) -> None:
    bucket = moto_s3.bucket()
    # Keys from the environment keep them off the command line (kanctl's -a/-s work too).
    result = kes(kube, "profile", "create", "s3compliant", "-n", namespace, "-b", bucket,
                 "-e", moto_s3.endpoint, "-r", REGION, "-p", "kes",
                 env={"AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
                      "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("secret 's3-secret-") and lines[0].endswith("' created")
    assert lines[1].startswith("profile 's3-profile-") and lines[1].endswith("' created")
    profile_name = lines[1].split("'")[1]
    profile = kube.get("profile", profile_name, namespace)
    assert profile is not None
    assert profile["location"] == {"type": "s3Compliant", "bucket": bucket,
                                   "endpoint": moto_s3.endpoint, "prefix": "kes",
                                   "region": REGION}
    assert profile["credential"]["keyPair"]["idField"] == "aws_access_key_id"
    assert SECRET_ACCESS_KEY not in result.stdout + result.stderr

    validated = kes(kube, "profile", "validate", profile_name, "-n", namespace)
    assert validated.returncode == 0, validated.stderr
    assert validated.stdout.splitlines()[:5] == STAGES
    kanctl_style = kes(kube, "validate", "profile", "--name", profile_name,
                       "--resource-namespace", namespace)
    assert kanctl_style.stdout.splitlines()[:5] == STAGES
    assert "Contents" not in moto_s3.client().list_objects_v2(Bucket=bucket)


def test_a_failed_validation_removes_the_secret_again(
    kube: Kube, namespace: str, moto_s3: S3Server
) -> None:
    result = kes(kube, "profile", "create", "s3compliant", "-n", namespace,
                 "-b", "kes-no-such-bucket", "-e", moto_s3.endpoint, "-r", REGION,
                 "-a", ACCESS_KEY_ID, "-s", SECRET_ACCESS_KEY)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    secret = lines[0].split("'")[1]
    assert lines == [
        f"secret '{secret}' created",
        "Failed the 'Validate bucket region specified in profile' check.. ❌",
        f"validation failed, deleting secret '{secret}'",
        f"secret '{secret}' deleted",
    ]
    assert result.stderr.startswith(
        "Error: profile validation failed: failed to get bucket kes-no-such-bucket: NoSuchBucket")
    assert names(kube, "secrets", namespace) == [] and names(kube, "profiles", namespace) == []


def profile_doc(namespace: str, endpoint: str, bucket: str) -> dict[str, Any]:
    return {
        "apiVersion": "cr.kanister.io/v1alpha1", "kind": "Profile",
        "metadata": {"name": "p", "namespace": namespace},
        "location": {"type": "s3Compliant", "bucket": bucket, "endpoint": endpoint,
                     "region": REGION},
        "credential": {"type": "keyPair", "keyPair": {
            "idField": "aws_access_key_id", "secretField": "aws_secret_access_key",
            "secret": {"name": "creds", "namespace": namespace}}},
    }


def test_validate_a_file_whose_secret_lacks_a_key(
    kube: Kube, namespace: str, moto_s3: S3Server
) -> None:
    kube.apply([{"apiVersion": "v1", "kind": "Secret",
                 "metadata": {"name": "creds", "namespace": namespace},
                 "stringData": {"aws_access_key_id": ACCESS_KEY_ID}}])
    document = json.dumps(profile_doc(namespace, moto_s3.endpoint, moto_s3.bucket()))
    result = kes(kube, "profile", "validate", "-f", "-", stdin=document)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "Passed the 'Validate Profile schema' check.. ✅",
        "Failed the 'Validate bucket region specified in profile' check.. ❌",
    ]
    assert result.stderr.strip() == (
        f"Error: Value 'aws_secret_access_key' not found in secret '{namespace}:creds'")
    schema_only = kes(kube, "validate", "profile", "-f", "-", "--schema-validation-only",
                      stdin=document)
    assert schema_only.returncode == 0
    assert "Skipping the 'Validate write access to bucket specified in profile' check.. 🚫" in (
        schema_only.stdout)
