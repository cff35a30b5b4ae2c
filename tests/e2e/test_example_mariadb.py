"""examples/mariadb through the controller: a real MariaDB server backed up, restored, deleted.

The server is Debian's, run by the example's StatefulSet as a pod of the local cluster (the
`mysql` user, its data on a PVC, a free port on 127.0.0.1, never 3306), one for the module. The
example's Blueprint dumps it with `mariadb-dump | gzip | kando location push` to moto; a restore
made with `kes actionset create --from` brings back exactly the rows that were backed up; a
delete made the same way removes the object from the bucket (boto3 looks). A dump that fails
halfway fails its phase and renders no artifact, as `set -o pipefail` would have it.
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
    mariadb,
    object_text,
    phase_error,
    profile_documents,
    secret_value,
    server_in_pod,
)
from e2e_harness import ControllerProcess, Kube
from s3_harness import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3Server

pytestmark = [pytest.mark.timeout(300), pytest.mark.tools("mariadb-server")]

EXAMPLE = EXAMPLES / "mariadb"
NAMESPACE = "mariadb-test"
STATEFULSET = f"{NAMESPACE}/my-release-mariadb"
ROWS = (
    "INSERT INTO company (id, name, age, address, salary) VALUES "
    "(10, 'Paul', 32, 'California', 20000.00), (20, 'Omkar', 32, 'California', 20000.00), "
    "(30, 'Prasad', 32, 'California', 20000.00)"
)
SELECT = "SELECT id, name, age, address, salary FROM company ORDER BY id"


@pytest.fixture(scope="module")
def server(kube: Kube) -> Iterator[Database]:
    port = free_port()
    assert port != 3306
    docs = app_documents(EXAMPLE, user="mysql", port=port)
    password = secret_value(docs, "mariadb-root-password")
    with server_in_pod(kube, docs, mariadb(port, password), system_database="mysql") as db:
        yield db


@pytest.fixture
def bucket(kube: Kube, moto_s3: S3Server) -> str:
    """A new bucket, the example's Profile pointed at it, the example's Blueprint applied."""
    name = moto_s3.bucket("mariadb")
    kube.apply(profile_documents(EXAMPLE, s3=moto_s3, bucket=name))
    kube.apply(EXAMPLE / "blueprint.yaml")
    return name


def test_backup_then_restore_brings_back_the_rows_and_delete_removes_the_dump(
    kube: Kube, controller: ControllerProcess, server: Database, moto_s3: S3Server,
    bucket: str,
) -> None:
    server.sql("CREATE DATABASE test", database="mysql")
    server.sql("CREATE TABLE company (id int PRIMARY KEY, name text NOT NULL, age int, "
               f"address char(50), salary real); {ROWS}", database="test")
    backed_up = server.sql(SELECT, database="test")
    assert backed_up.count("\n") == 3

    kube.apply(EXAMPLE / "backup-actionset.yaml")
    backup = kube.wait_actionset("backup-mariadb", NAMESPACE)
    assert backup["status"]["state"] == "complete", phase_error(backup)
    path = backup["status"]["actions"][0]["artifacts"]["mysqlCloudDump"]["keyValue"]["s3path"]
    assert path.startswith(f"/mysql-backups/{NAMESPACE}/my-release/") and path.endswith(
        "/dump.sql.gz")
    # The key is the path without its leading slash (the Profile has no prefix).
    assert keys(moto_s3, bucket) == [path.lstrip("/")]
    assert "INSERT INTO `company`" in object_text(moto_s3, bucket, path.lstrip("/"))

    # Disaster strikes: rows changed, one gone, one added.
    server.sql("UPDATE company SET salary = 0 WHERE id = 10; DELETE FROM company WHERE id = 20; "
               "INSERT INTO company (id, name, age) VALUES (40, 'Intruder', 1)", database="test")
    assert server.sql(SELECT, database="test") != backed_up

    restore = create_actionset(kube, "--action", "restore", "--from", "backup-mariadb",
                               "-n", NAMESPACE)
    restored = kube.wait_actionset(restore, NAMESPACE)
    assert restored["status"]["state"] == "complete", phase_error(restored)
    assert restored["spec"]["actions"][0]["artifacts"] == backup["status"]["actions"][0][
        "artifacts"]
    assert server.sql(SELECT, database="test") == backed_up

    delete = create_actionset(kube, "--action", "delete", "--from", "backup-mariadb",
                              "--namespacetargets", NAMESPACE, "-n", NAMESPACE)
    deleted = kube.wait_actionset(delete, NAMESPACE)
    assert deleted["status"]["state"] == "complete", phase_error(deleted)
    assert keys(moto_s3, bucket) == []

    assert leaked(kube, controller, NAMESPACE, ["backup-mariadb", restore, delete],
                  [server.password, SECRET_ACCESS_KEY, ACCESS_KEY_ID]) == []


def test_a_dump_failing_halfway_fails_the_phase_and_renders_no_artifact(
    kube: Kube, controller: ControllerProcess, server: Database, moto_s3: S3Server,
    bucket: str,
) -> None:
    # mariadb-dump goes through the databases in name order: `halfway_kept` goes into the
    # stream, then a view of `zz_broken_view` whose table was dropped stops it.
    server.sql("CREATE DATABASE halfway_kept", database="mysql")
    server.sql("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('dumped')",
               database="halfway_kept")
    server.sql("CREATE DATABASE zz_broken_view", database="mysql")
    server.sql("CREATE TABLE gone (x int); CREATE VIEW v AS SELECT x FROM gone; DROP TABLE gone",
               database="zz_broken_view")
    try:
        name = create_actionset(kube, "--action", "backup", "--blueprint", "mariadb-bp",
                                "--statefulset", STATEFULSET,
                                "--profile", f"{NAMESPACE}/s3-profile", "-n", NAMESPACE)
        failed = kube.wait_actionset(name, NAMESPACE)
    finally:
        server.sql("DROP DATABASE zz_broken_view; DROP DATABASE halfway_kept", database="mysql")
    assert failed["status"]["state"] == "failed"
    phases = failed["status"]["actions"][0]["phases"]
    assert [(p["name"], p["state"]) for p in phases] == [("dumpToObjectStore", "failed")]
    assert "View 'zz_broken_view.v' references invalid table(s)" in phase_error(failed)
    # As in Kanister, an artifact whose phase never gave its output shows its template.
    assert failed["status"]["actions"][0]["artifacts"]["mysqlCloudDump"]["keyValue"] == {
        "s3path": "{{ .Phases.dumpToObjectStore.Output.s3path }}"}
    # kando stored what reached it before the dump failed: the first databases, not the end.
    [key] = keys(moto_s3, bucket)
    partial = object_text(moto_s3, bucket, key)
    assert "INSERT INTO `kept`" in partial and "('dumped')" in partial
    assert "-- Dump completed" not in partial

    assert leaked(kube, controller, NAMESPACE, [name],
                  [server.password, SECRET_ACCESS_KEY, ACCESS_KEY_ID]) == []
