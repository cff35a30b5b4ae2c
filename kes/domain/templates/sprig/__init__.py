"""The sprig v2.22.0 TxtFuncMap as Kanister exposes it, keyed by template function name.

``FUNCS`` is what the template runtime offers templates (besides text/template's builtins);
functions sprig v2.22 lacks (``fromJson``, ``seq``, ``get``, ``dig``, ``duration``, ``must*`` …)
are absent so that using them is a parse error, as in Kanister. ``allow_env`` is the switch the
controller's flag turns to let ``env``/``expandenv`` see named variables.

Where kes departs from Kanister on purpose (each covered by a test):

* ``env``/``expandenv`` see only allow-listed variables (Kanister exposes the controller's
  whole environment, credentials included);
* ``getHostByName`` resolves only ``localhost`` (the template engine does no network I/O);
* ``keys``/``values`` come back sorted (Go's map order is random);
* ``repeat``, ``until``, ``untilStep``, ``indent``, ``wrap``, ``replace``, ``join``,
  ``regexReplaceAll`` and the random generators stop at ``registry.MAX_ITEMS`` items or
  characters;
* error texts that would quote a URL leave it out (URLs carry credentials).

The regex functions run on RE2 (the ``google-re2`` wheel), the engine Go's regexp implements:
Go's syntax and messages, and matching in time linear in the input.
"""

from __future__ import annotations

from kes.domain.templates import values
from kes.domain.templates.sprig import (
    arithmetic,
    casing,
    crypto,
    dates,
    defaults,
    dicts,
    encodings,
    environment,
    lists,
    regex,
    semver,
    splitting,
    strings,
)

allow_env = environment.allow_env


def _build() -> dict[str, values.GoFunc]:
    table: dict[str, values.GoFunc] = {}
    for module in (
        strings,
        splitting,
        lists,
        dicts,
        arithmetic,
        casing,
        defaults,
        encodings,
        dates,
        regex,
        semver,
        crypto,
        environment,
    ):
        overlap = table.keys() & module.FUNCS.keys()
        assert not overlap, f"sprig functions defined twice: {sorted(overlap)}"
        table.update(module.FUNCS)
    return table


FUNCS: dict[str, values.GoFunc] = _build()

__all__ = ["FUNCS", "allow_env"]
