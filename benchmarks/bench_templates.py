"""Template engine speed: warm renders per second and cold compile time per template.

Renders the phase args of a mysql-style blueprint (about twenty templates with pipelines, index,
toJson .Profile and toDate/date) many times with warm caches, then compiles each distinct
template once from a cold cache. Targets (issue 4): warm >= 20,000 renders/s on one core, cold
compile < 5 ms per template. Run: ``python benchmarks/bench_templates.py [--smoke]``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from kes.domain.templates import rendering, values

TEMPLATES = [
    "{{ .StatefulSet.Namespace }}",
    '{{ index .Object.metadata.labels "app.kubernetes.io/instance" }}',
    '{{ index .Object.metadata.labels "app.kubernetes.io/instance" }}-mysql',
    "{{ .Phases.dump.Secrets.mysqlSecret.Namespace }}",
    '{{ index .Phases.dump.Secrets.mysqlSecret.Data "mysql-root-password" | toString }}',
    'mysql:{{ .Options.version | default "8.0" }}',
    "{{ toJson .Profile }}",
    "{{ .Profile.Location.Bucket }}/mysql-backups/{{ .StatefulSet.Namespace }}",
    '{{ toDate "2006-01-02T15:04:05.999999999Z07:00" .Time | date "2006-01-02T15-04-05" }}',
    'mysql-backups/{{ .Namespace.Name }}/{{ toDate "2006-01-02T15:04:05.999999999Z07:00" .Time'
    ' | date "2006-01-02T15-04-05" }}/dump.sql.gz',
    "{{ .ArtifactsIn.mysqlCloudDump.KeyValue.s3path }}",
    "{{ if .Options.compress }}gzip{{ else }}cat{{ end }}",
    "{{ range $i, $p := .StatefulSet.Pods }}{{ if $i }},{{ end }}{{ $p }}{{ end }}",
    "{{ len .StatefulSet.Pods }}",
    "{{ index .StatefulSet.Pods 0 }}",
    '{{ index .Options "database" | default "all" | quote }}',
    '{{ printf "%s-%s" .StatefulSet.Name "backup" | lower }}',
    "{{ .Time }}",
    "{{ upper .Options.level | trim }}",
    """
set -o errexit
set -o pipefail
mysqldump --column-statistics=0 -u root --password="${MYSQL_ROOT_PASSWORD}" \\
  -h {{ index .Object.metadata.labels "app.kubernetes.io/instance" }} --single-transaction \\
  --all-databases | gzip - | kando location push --profile '{{ toJson .Profile }}' \\
  --path "${s3_path}" -
kando output s3path ${s3_path}
""",
]


def _params() -> dict[str, Any]:
    location = values.GoStruct(
        "crv1alpha1.Location",
        {
            "Type": "s3Compliant",
            "Bucket": "b",
            "Endpoint": "http://minio",
            "Prefix": "p",
            "Region": "us-east-1",
        },
        json={
            "Type": "type",
            "Bucket": "bucket",
            "Endpoint": "endpoint",
            "Prefix": "prefix",
            "Region": "region",
        },
    )
    credential = values.GoStruct(
        "param.Credential",
        {
            "Type": "keyPair",
            "KeyPair": values.GoStruct("param.KeyPair", {"ID": "id", "Secret": "s"}, pointer=True),
            "Secret": None,
            "KopiaServerSecret": None,
        },
    )
    profile = values.GoStruct(
        "param.Profile",
        {"Location": location, "Credential": credential, "SkipSSLVerify": False},
        pointer=True,
    )
    return {
        "StatefulSet": {"Name": "mysql", "Namespace": "db", "Pods": ["mysql-0", "mysql-1"]},
        "Object": {"metadata": {"labels": {"app.kubernetes.io/instance": "mysql"}}},
        "Namespace": {"Name": "db"},
        "Phases": {
            "dump": {
                "Secrets": {
                    "mysqlSecret": {"Namespace": "db", "Data": {"mysql-root-password": b"pw"}}
                }
            }
        },
        "Options": {"compress": "yes", "level": " info ", "version": "8.4"},
        "ArtifactsIn": {"mysqlCloudDump": {"KeyValue": {"s3path": "s3://b/p"}}},
        "Profile": profile,
        "Time": "2026-11-28T15:04:05.123456789Z",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="a few hundred renders: proves the script runs")
    smoke = parser.parse_args().smoke
    params = _params()
    # CPU time of this process: the figure that means "one core", even on a loaded machine.
    rendering._compile.cache_clear()
    started = time.process_time()
    for template in TEMPLATES:
        rendering.compile_template(template)
    cold = (time.process_time() - started) / len(TEMPLATES)
    for template in TEMPLATES:
        rendering.render(template, params)
    rounds = 10 if smoke else 10_000 // len(TEMPLATES) * 10
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for template in TEMPLATES:
            rendering.render(template, params)
    wall = time.perf_counter() - wall_started
    cpu = time.process_time() - cpu_started
    renders = rounds * len(TEMPLATES)
    print(f"templates: {len(TEMPLATES)}")
    print(
        f"warm: {renders} renders in {cpu:.2f} s CPU = {renders / cpu:,.0f} renders/s per core"
        f" (target >= 20,000; wall clock {renders / wall:,.0f}/s)"
    )
    print(f"cold: {cold * 1000:.2f} ms CPU per template (target < 5 ms)")


if __name__ == "__main__":
    main()
