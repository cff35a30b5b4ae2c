"""String formats the apiserver checks in CRD schemas."""

from __future__ import annotations

import pytest

from kes.devcluster import schema, schema_formats


@pytest.mark.parametrize(
    ("fmt", "value", "ok"),
    [
        pytest.param("date-time", "2026-01-02T03:04:05Z", True, id="datetime-utc"),
        pytest.param("date-time", "2026-01-02T03:04:05.123+02:00", True, id="datetime-offset"),
        pytest.param("date-time", "2026-01-02", False, id="datetime-date-only"),
        pytest.param("date-time", "2026-13-02T03:04:05Z", False, id="datetime-bad-month"),
        pytest.param("date", "2026-01-02", True, id="date"),
        pytest.param("date", "2026-1-2", False, id="date-short"),
        pytest.param("byte", "aGVsbG8=", True, id="byte"),
        pytest.param("byte", "not base64!", False, id="byte-bad"),
        pytest.param("uuid", "123e4567-e89b-12d3-a456-426614174000", True, id="uuid"),
        pytest.param("uuid", "123e4567", False, id="uuid-short"),
        pytest.param("uuid4", "9f0c7a1e-3b1d-4c7e-9a53-2f6f2b1f0c11", True, id="uuid4"),
        pytest.param("uuid4", "123e4567-e89b-12d3-a456-426614174000", False, id="uuid4-v1"),
        pytest.param("ipv4", "10.0.0.1", True, id="ipv4"),
        pytest.param("ipv4", "::1", False, id="ipv4-given-v6"),
        pytest.param("ipv6", "fe80::1", True, id="ipv6"),
        pytest.param("cidr", "10.0.0.0/8", True, id="cidr"),
        pytest.param("cidr", "10.0.0.1", False, id="cidr-no-prefix"),
        pytest.param("hostname", "db-0.mysql.svc", True, id="hostname"),
        pytest.param("hostname", "-bad", False, id="hostname-leading-dash"),
        pytest.param("email", "a@b.io", True, id="email"),
        pytest.param("email", "nope", False, id="email-bad"),
        pytest.param("mac", "00:1a:2b:3c:4d:5e", True, id="mac"),
        pytest.param("duration", "1h30m", True, id="duration"),
        pytest.param("duration", "90 minutes", False, id="duration-words"),
        pytest.param("uri", "s3://bucket/path", True, id="uri"),
        pytest.param("uri", "no scheme", False, id="uri-bad"),
        pytest.param("int32", "anything", True, id="not-a-string-format"),
        pytest.param("made-up", "anything", True, id="unknown-format"),
    ],
)
def test_format(fmt: str, value: str, ok: bool) -> None:
    assert schema_formats.valid(value=value, fmt=fmt) is ok


def test_format_violation_cause() -> None:
    causes = schema.validate(obj={"ip": "300.1.1.1"}, schema={
        "type": "object", "properties": {"ip": {"type": "string", "format": "ipv4"}}})
    assert causes == [{"reason": "FieldValueTypeInvalid", "field": "ip",
                       "message": 'Invalid value: "300.1.1.1": ip in body must be of type'
                                  ' ipv4: "300.1.1.1"'}]
