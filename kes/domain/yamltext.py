"""YAML text that kubectl reads back as kes meant it.

PyYAML writes YAML 1.1: it quotes a string only when its own resolver would read it as another
type. kubectl parses with Go's YAML (sigs.k8s.io/yaml), which also reads `825e0417` or `1e3` as
a number and `0o17` as an octal integer, so a restic snapshot id like `825e0417` written plain
comes back as a float and the API refuses the string field it was meant for. This dumper quotes
every string Go's YAML would not read as a string.
"""

from __future__ import annotations

import re
from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    """SafeDumper that also knows Go YAML's number forms, so it quotes strings that look so."""


# go-yaml's float form (an exponent needs no dot) and Go's 0o octal prefix.
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"),
    list("-+.0123456789"),
)
_Dumper.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?0o[0-7]+$"), list("-+0")
)


def dump(document: Any, *, sort_keys: bool = True) -> str:
    """One YAML document."""
    return yaml.dump(document, Dumper=_Dumper, sort_keys=sort_keys)


def dump_all(documents: list[Any], *, sort_keys: bool = True) -> str:
    """A stream of YAML documents (`---` between them)."""
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=sort_keys)
