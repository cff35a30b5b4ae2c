"""examples/postgresql through the controller: a real PostgreSQL backed up, restored, deleted.

The server is Debian's, run by the example's StatefulSet as a pod of the local cluster (the
`postgres` user, its data on a PVC, a free port on 127.0.0.1), one for the module. The example's
Blueprint dumps it with `pg_dumpall | gzip | kando location push` to moto; a restore made with
`kes actionset create --from` brings back exactly the rows that were backed up; a delete made
the same way removes the object from the bucket (boto3 looks). A dump that fails halfway fails
its phase and renders no artifact, as `set -o pipefail` would have it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from database_examples import (
    EXAMPLES,
    Database,
    app_documents,
    create_actionset,
    free_port,
    keys,
    leaked,
    object_text,
    phase_error,
    postgresql,
    profile_documents,
    secret_value,
    server_in_pod,
)
from e2e_harness import ControllerProcess, Kube
from s3_harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server

pytestmark = [pytest.mark.timeout(300), pytest.mark.tools("postgres-server")]

EXAMPLE = EXAMPLES / "postgresql"
NAMESPACE = "postgres-test"
STATEFULSET = f"{NAMESPACE}/my-release-postgresql"
ROWS = (
    "INSERT INTO company (id, name, age, address, salary) VALUES "
    "(10, 'Paul', 32, 'California', 20000.00), (20, 'Omkar', 32, 'California', 20000.00), "
    "(30, 'Prasad', 32, 'California', 20000.00)"
)
SELECT = "SELECT id, name, age, address, salary FROM company ORDER BY id"


@pytest.fixture(scope="module")
def postgres(kube: Kube) -> Iterator[Database]:
    port = free_port()
    docs = app_documents(EXAMPLE, user="postgres", port=port)
    password = secret_value(docs, "postgres-password")
    with server_in_pod(kube, docs, postgresql(port, password),
                       system_database="postgres") as database:
        yield database


@pytest.fixture
def bucket(kube: Kube, moto_s3: S3Server) -> str:
    """A new bucket, the example's Profile pointed at it, the example's Blueprint applied."""
    name = moto_s3.bucket("pg")
    kube.apply(profile_documents(EXAMPLE, s3=moto_s3, bucket=name))
    kube.apply(EXAMPLE / "blueprint.yaml")
    return name


def test_backup_then_restore_brings_back_the_rows_and_delete_removes_the_dump(
    kube: Kube, controller: ControllerProcess, postgres: Database, moto_s3: S3Server,
    bucket: str,
) -> None:
    postgres.sql("CREATE DATABASE test", database="postgres")
    postgres.sql("CREATE TABLE company (id int PRIMARY KEY, name text NOT NULL, age int, "
                 f"address char(50), salary real); {ROWS}", database="test")
    backed_up = postgres.sql(SELECT, database="test")
    assert backed_up.count("\n") == 3

    kube.apply(EXAMPLE / "backup-actionset.yaml")
    backup = kube.wait_actionset("backup-postgres", NAMESPACE)
    assert backup["status"]["state"] == "complete", phase_error(backup)
    location = backup["status"]["actions"][0]["artifacts"]["cloudObject"]["keyValue"][
        "backupLocation"]
    assert location.startswith(f"pg_backups/{STATEFULSET}/") and location.endswith(
        "/backup.sql.gz")
    assert keys(moto_s3, bucket) == [location]
    assert "COPY public.company" in object_text(moto_s3, bucket, location)

    # Disaster strikes: rows changed, one gone, one added.
    postgres.sql("UPDATE company SET salary = 0 WHERE id = 10; DELETE FROM company WHERE id = 20; "
                 "INSERT INTO company (id, name, age) VALUES (40, 'Intruder', 1)", database="test")
    assert postgres.sql(SELECT, database="test") != backed_up

    restore = create_actionset(kube, "--action", "restore", "--from", "backup-postgres",
                               "-n", NAMESPACE)
    restored = kube.wait_actionset(restore, NAMESPACE)
    assert restored["status"]["state"] == "complete", phase_error(restored)
    assert restored["spec"]["actions"][0]["artifacts"] == backup["status"]["actions"][0][
        "artifacts"]
    assert postgres.sql(SELECT, database="test") == backed_up

    delete = create_actionset(kube, "--action", "delete", "--from", "backup-postgres",
                              "--namespacetargets", NAMESPACE, "-n", NAMESPACE)
    deleted = kube.wait_actionset(delete, NAMESPACE)
    assert deleted["status"]["state"] == "complete", phase_error(deleted)
    assert keys(moto_s3, bucket) == []

    assert leaked(kube, controller, NAMESPACE, ["backup-postgres", restore, delete],
                  [postgres.password, SECRET_ACCESS_KEY, ACCESS_KEY_ID]) == []


def test_a_dump_failing_halfway_fails_the_phase_and_renders_no_artifact(
    kube: Kube, controller: ControllerProcess, postgres: Database, moto_s3: S3Server,
    bucket: str,
) -> None:
    # pg_dumpall dumps databases in name order: `halfway_kept` goes into the stream, then the
    # connection to `zz_unreachable` fails (its sessions must load a library that is not there).
    postgres.sql("CREATE DATABASE halfway_kept", database="postgres")
    postgres.sql("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('dumped')",
                 database="halfway_kept")
    postgres.sql("CREATE DATABASE zz_unreachable", database="postgres")
    postgres.sql("ALTER DATABASE zz_unreachable SET session_preload_libraries = "
                 "'kes_no_such_library'", database="postgres")
    try:
        name = create_actionset(kube, "--action", "backup", "--blueprint", "postgres-bp",
                                "--statefulset", STATEFULSET,
                                "--profile", f"{NAMESPACE}/s3-profile", "-n", NAMESPACE)
        failed = kube.wait_actionset(name, NAMESPACE)
    finally:
        postgres.sql("DROP DATABASE zz_unreachable", database="postgres")
        postgres.sql("DROP DATABASE halfway_kept", database="postgres")
    assert failed["status"]["state"] == "failed"
    phases = failed["status"]["actions"][0]["phases"]
    assert [(p["name"], p["state"]) for p in phases] == [("pgDump", "failed")]
    assert 'pg_dump failed on database \\"zz_unreachable\\"' in phase_error(failed)
    # As in Kanister, an artifact whose phase never gave its output shows its template.
    assert failed["status"]["actions"][0]["artifacts"]["cloudObject"]["keyValue"] == {
        "backupLocation": "{{ .Phases.pgDump.Output.backupLocation }}"}
    # kando stored what reached it before the dump failed: the first databases, not the end.
    [key] = keys(moto_s3, bucket)
    partial = object_text(moto_s3, bucket, key)
    assert "COPY public.kept" in partial and "dumped" in partial
    assert "PostgreSQL database cluster dump complete" not in partial

    assert leaked(kube, controller, NAMESPACE, [name],
                  [postgres.password, SECRET_ACCESS_KEY, ACCESS_KEY_ID]) == []
