"""The nine restic functions without a cluster: argument tables from Kanister 0.119's
`RequiredArgs()`/`Arguments()`, argument rules and messages, and the pure helpers they share."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from kes.adapters.k8s import client
from kes.functions import base, registry
from kes.functions.datamover import arguments, deleting, perpod, repositories, running

POD = ("podOverride", "podAnnotations", "podLabels")

# name: (RequiredArgs(), Arguments()) as Kanister 0.119 declares them (pkg/function/*.go).
KANISTER = {
    "BackupData": (
        ("namespace", "pod", "container", "includePath", "backupArtifactPrefix"),
        ("namespace", "pod", "container", "includePath", "backupArtifactPrefix", "encryptionKey",
         "insecureTLS"),
    ),
    "BackupDataAll": (
        ("namespace", "container", "includePath", "backupArtifactPrefix"),
        ("namespace", "container", "includePath", "backupArtifactPrefix", "pods", "encryptionKey",
         "insecureTLS"),
    ),
    "RestoreData": (
        ("namespace", "image", "backupArtifactPrefix"),
        ("namespace", "image", "backupArtifactPrefix", "restorePath", "encryptionKey", "pod",
         "volumes", "backupTag", "backupIdentifier", "backupPath", "podOverride", "insecureTLS",
         "podAnnotations", "podLabels"),
    ),
    "RestoreDataAll": (
        ("namespace", "image", "backupArtifactPrefix", "backupInfo"),
        ("namespace", "image", "backupArtifactPrefix", "backupInfo", "restorePath",
         "encryptionKey", "pods", "podOverride", "insecureTLS", "podAnnotations", "podLabels"),
    ),
    "DeleteData": (
        ("namespace", "backupArtifactPrefix"),
        ("namespace", "image", "backupArtifactPrefix", "backupID", "backupTag", "encryptionKey",
         "reclaimSpace", "insecureTLS", *POD),
    ),
    "DeleteDataAll": (
        ("namespace", "backupArtifactPrefix", "backupInfo"),
        ("namespace", "image", "backupArtifactPrefix", "backupInfo", "encryptionKey",
         "reclaimSpace", "insecureTLS", *POD),
    ),
    "CopyVolumeData": (
        ("namespace", "volume", "dataArtifactPrefix"),
        ("namespace", "image", "volume", "dataArtifactPrefix", "encryptionKey", "mountPath",
         "insecureTLS", *POD),
    ),
    "BackupDataStats": (
        ("namespace", "backupArtifactPrefix", "backupID"),
        ("namespace", "image", "backupArtifactPrefix", "backupID", "statsMode", "encryptionKey",
         *POD),
    ),
    "CheckRepository": (
        ("backupArtifactPrefix",),
        ("image", "backupArtifactPrefix", "encryptionKey", "insecureTLS", *POD),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(KANISTER))
def test_argument_tables_are_kanister_0_119s(name: str) -> None:
    spec = registry.lookup(name)
    required, supported = KANISTER[name]
    assert spec.required_args == required
    assert set(spec.all_args) == set(supported) and len(spec.all_args) == len(supported)
    assert spec.run is not None and spec.category == "data-mover"
    assert spec.secret_args == ("encryptionKey",)


def test_only_the_reading_functions_are_rerun_after_a_crash() -> None:
    rerun = {name for name in KANISTER if registry.lookup(name).idempotent}
    assert rerun == {"BackupDataStats", "CheckRepository"}


def test_the_encryption_key_is_a_secret_arg_to_mask() -> None:
    spec = registry.lookup("BackupData")
    assert spec.secret_values({"encryptionKey": "k", "pod": "p"}) == ["k"]
    assert spec.secret_values({"pod": "p"}) == []


def _ctx(**params: Any) -> base.PhaseContext:
    api = client.Api(client=None)  # never called here
    return base.PhaseContext(
        api=api, namespace="kanister", action_set=base.ActionSetRef(name="a", namespace="n"),
        template_params=params,
    )  # fmt: skip


def _fails(name: str, args: dict[str, Any], **params: Any) -> str:
    spec = registry.lookup(name)
    assert spec.run is not None
    with pytest.raises(base.FunctionError) as caught:
        spec.run(_ctx(**params), args)
    return str(caught.value)


PROFILE = {
    "Location": {"Type": "s3Compliant", "Bucket": "b", "Endpoint": "http://127.0.0.1:1"},
    "Credential": {"Type": "keyPair", "KeyPair": {"ID": "i", "Secret": "s"}},
}


def test_restore_data_exclusive_pairs_in_kanisters_order() -> None:
    base_args = {"namespace": "n", "image": "i", "backupArtifactPrefix": "p", "encryptionKey": "k"}
    assert _fails("RestoreData", base_args) == "Require one argument: pod or volumes"
    both = {**base_args, "pod": "p", "volumes": {"c": "/m"}}
    assert _fails("RestoreData", both) == "Require one argument: pod or volumes"
    assert _fails("RestoreData", {**base_args, "pod": "p"}) == (
        "Require one argument: backupTag or backupIdentifier"
    )
    two = {**base_args, "pod": "p", "backupTag": "t", "backupIdentifier": "i"}
    assert _fails("RestoreData", two) == "Require one argument: backupTag or backupIdentifier"


def test_missing_key_message_names_the_function_and_what_to_set() -> None:
    message = _fails("CopyVolumeData", {"namespace": "n", "volume": "v", "dataArtifactPrefix": "p"})
    assert message.startswith("CopyVolumeData needs the argument encryptionKey: kes has no default")
    assert "'{{ .Secrets.<name>.Data.<key> | toString }}'" in message


def test_profile_errors_wrapped_as_kanister_wraps_them() -> None:
    args = {"namespace": "n", "pod": "p", "container": "c", "includePath": "/d",
            "backupArtifactPrefix": "x", "encryptionKey": "k"}  # fmt: skip
    assert _fails("BackupData", args).startswith(
        "Failed to validate Profile: Profile must be non-nil"
    )
    restore = {"namespace": "n", "image": "i", "backupArtifactPrefix": "p", "encryptionKey": "k",
               "pod": "p", "backupIdentifier": "x"}  # fmt: skip
    assert _fails("RestoreData", restore).startswith("Profile must be non-nil")


def test_restore_data_volumes_of_the_pod_from_the_template_params() -> None:
    restore = {"namespace": "n", "image": "i", "backupArtifactPrefix": "p", "encryptionKey": "k",
               "pod": "web-0", "backupIdentifier": "x"}  # fmt: skip
    sts = {"Pods": ["web-1"], "PersistentVolumeClaims": {"web-1": {"data-web-1": "/d"}}}
    assert _fails("RestoreData", restore, Profile=PROFILE, StatefulSet=sts) == (
        "Failed to find volumes for the Pod: web-0"
    )
    assert _fails("RestoreData", restore, Profile=PROFILE) == "Invalid Template Params"
    claims = arguments.pod_volumes({"StatefulSet": sts}, "web-1")
    assert claims == {"data-web-1": "/d"}


def test_all_variants_need_pods_or_a_workload() -> None:
    backup = {"namespace": "n", "container": "c", "includePath": "/d",
              "backupArtifactPrefix": "p", "encryptionKey": "k"}  # fmt: skip
    assert _fails("BackupDataAll", backup, Profile=PROFILE) == "Failed to get pods"
    restore = {"namespace": "n", "image": "i", "backupArtifactPrefix": "p", "backupInfo": "{}",
               "encryptionKey": "k"}  # fmt: skip
    assert _fails("RestoreDataAll", restore, Profile=PROFILE) == "Unsupported workload type"
    bad = {**restore, "pods": "a"}
    for info in ("not json", "[1]"):
        assert _fails("RestoreDataAll", {**bad, "backupInfo": info}, Profile=PROFILE).startswith(
            "Could not decode JSON data"
        )


def test_backup_all_info_is_gos_encoding_of_the_map() -> None:
    from kes.adapters.restic import parsing
    from kes.functions import backupdataall

    done = {
        "web-1": repositories.Backup("t1", parsing.BackupResult("bbbbbbbb")),
        "web-0": repositories.Backup("t0", parsing.BackupResult("aaaaaaaa")),
    }
    assert backupdataall.backup_info(done) == (
        '{"web-0":{"PodName":"web-0","BackupID":"aaaaaaaa","BackupTag":"t0"},'
        '"web-1":{"PodName":"web-1","BackupID":"bbbbbbbb","BackupTag":"t1"}}'
    )


def test_delete_data_lists() -> None:
    with pytest.raises(base.ArgumentError, match="Require one argument: backupID or backupTag"):
        deleting.check_lists(prefixes=["p"], ids=[], tags=[])
    with pytest.raises(base.ArgumentError, match="Require one argument: backupID or backupTag"):
        deleting.check_lists(prefixes=["p"], ids=["a"], tags=["b"])
    with pytest.raises(base.ArgumentError, match="backupID lists 2 snapshots but"):
        deleting.check_lists(prefixes=["p"], ids=["a", "b"], tags=[])
    deleting.check_lists(prefixes=["p", "q"], ids=["a"], tags=[])


def test_delete_data_all_refuses_a_pod_without_backup_id() -> None:
    args = {"namespace": "n", "backupArtifactPrefix": "p", "encryptionKey": "k",
            "backupInfo": json.dumps({"a": {"PodName": "a", "BackupID": ""}})}  # fmt: skip
    assert _fails("DeleteDataAll", args, Profile=PROFILE) == (
        "backupInfo has no BackupID for pod(s) a"
    )


def test_tags_use_kanisters_alphabet() -> None:
    tags = {repositories.new_tag() for _ in range(50)}
    assert len(tags) == 50
    assert all(len(t) == 10 and set(t) <= set(repositories.TAG_ALPHABET) for t in tags)


def test_per_pod_errors_are_joined_and_name_their_pod() -> None:
    def work(pod: str) -> str:
        if pod != "ok":
            raise base.FunctionError(f"broken {pod}")
        return pod

    assert perpod.run(["ok"], work, failure="Failed") == {"ok": "ok"}
    with pytest.raises(base.FunctionError) as caught:
        perpod.run(["a", "ok", "b"], work, failure="Failed to backup data")
    assert str(caught.value) == (
        "Failed to backup data for pod a: broken a\nFailed to backup data for pod b: broken b"
    )

    def cancelled(pod: str) -> str:
        raise base.FunctionCancelledError()

    with pytest.raises(base.FunctionCancelledError):
        perpod.run(["a"], cancelled, failure="Failed")


def test_output_lines_are_logged_and_status_lines_become_progress() -> None:
    lines: list[str] = []
    progress: list[int] = []
    ctx = base.PhaseContext(
        api=client.Api(client=None), namespace="n",
        action_set=base.ActionSetRef(name="a", namespace="n"),
        on_log=lines.append, on_progress=progress.append, cancel=threading.Event(),
    )  # fmt: skip
    reporter = running._Progress(ctx, enabled=True)
    splitter = running._Lines(reporter.line)
    chunks = [
        b'{"message_type":"status","percent_done":0.1}\n{"message_type":"sta',
        b'tus","percent_done":0.105}\nhello w\xc3',
        b'\xa9rld\n{"message_type":"status","percent_done":1}\n',
        b"no newline at the end",
    ]
    for chunk in chunks:
        splitter.feed(chunk)
    text = splitter.close()
    assert text == b"".join(chunks).decode()
    assert lines == ["hello wérld", "no newline at the end"]
    assert progress == [10, 99]  # once per whole percent, and 100 is the function's to report


def test_logged_lines_are_masked_with_the_credentials_restic_was_given() -> None:
    from kes.domain import masking

    lines: list[str] = []
    ctx = base.PhaseContext(
        api=client.Api(client=None), namespace="n",
        action_set=base.ActionSetRef(name="a", namespace="n"), on_log=lines.append,
    )  # fmt: skip
    masker = masking.Masker(["hunter2-key", "AKIASECRET"])
    reporter = running._Progress(ctx, enabled=False, mask=masker.text)
    reporter.line("Fatal: something echoed hunter2-key and AKIASECRET")
    assert lines == ["Fatal: something echoed *** and ***"]
