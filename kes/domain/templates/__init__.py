"""Kanister-compatible templates: Go text/template + sprig v2.22, compiled to sandboxed Jinja2.

The public API is re-exported lazily so that importing a leaf module (``values``, ``gofmt``) does
not build the whole function table.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "TemplateError",
    "check",
    "render",
    "render_args",
    "render_artifacts",
    "render_object_refs",
]


def __getattr__(name: str) -> Any:
    if name == "TemplateError":
        from kes.domain.templates import errors

        return errors.TemplateError
    if name in __all__:
        from kes.domain.templates import rendering

        return getattr(rendering, name)
    raise AttributeError(name)
