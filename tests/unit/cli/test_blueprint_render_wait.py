"""`kes blueprint render` leaves Wait/WaitV2 args as written: they render per poll."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from kes.cli import main

BLUEPRINT = """
apiVersion: cr.kanister.io/v1alpha1
kind: Blueprint
metadata: {name: bp, namespace: ns}
actions:
  backup:
    phases:
      - func: WaitV2
        name: waitReady
        args:
          timeout: 5m
          conditions:
            anyOf:
              - objectReference:
                  apiVersion: v1
                  resource: pods
                  name: "{{ .Object.metadata.name }}"
                  namespace: ns
                condition: '{{ if eq .status.phase "Running" }}true{{ end }}'
"""


def test_waitv2_conditions_are_printed_unrendered_without_problems() -> None:
    result = CliRunner().invoke(
        main.cli,
        ["blueprint", "render", "-", "--action", "backup", "--object", "pod/ns/web"],
        input=BLUEPRINT,
    )
    assert result.exit_code == 0, result.output
    rendered = yaml.safe_load(result.stdout)
    condition = rendered["phases"][0]["args"]["conditions"]["anyOf"][0]
    assert condition["condition"] == '{{ if eq .status.phase "Running" }}true{{ end }}'
    assert condition["objectReference"]["name"] == "{{ .Object.metadata.name }}"
