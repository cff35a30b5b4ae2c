"""sprig's encoding, hashing, path and URL functions (v2.22.0).

Decoders return the Go error text as their *result* (``b64dec "%%"`` prints ``illegal base64 data
at input byte 0``) because sprig swallows the error that way; paths are Go's slash-only ``path``
package; URLs follow net/url's field names (scheme, host, hostname, path, query, opaque,
fragment, userinfo).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import string
import urllib.parse
import zlib
from typing import Any

from kes.domain.templates import values
from kes.domain.templates.sprig import registry

TABLE = registry.Table()
define = TABLE.define
_MAP = "map[string]interface {}"
_B64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
_B32 = string.ascii_uppercase + "234567"


@define("b64enc", params=("string",), result="string")
def b64enc(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@define("b64dec", params=("string",), result="string")
def b64dec(text: str) -> str:
    return _decode(text, alphabet=_B64, block=4, decoder=base64.b64decode)


@define("b32enc", params=("string",), result="string")
def b32enc(text: str) -> str:
    return base64.b32encode(text.encode("utf-8")).decode("ascii")


@define("b32dec", params=("string",), result="string")
def b32dec(text: str) -> str:
    return _decode(text, alphabet=_B32, block=8, decoder=base64.b32decode)


def _decode(text: str, *, alphabet: str, block: int, decoder: Any) -> str:
    # Go reports the offset of the first byte that breaks the encoding.
    stripped = text.replace("\r", "").replace("\n", "")
    body = stripped.rstrip("=")
    for index, ch in enumerate(body):
        if ch not in alphabet:
            return f"illegal {'base64' if block == 4 else 'base32'} data at input byte {index}"
    if len(stripped) % block:
        offset = len(stripped) - len(stripped) % block
        return f"illegal {'base64' if block == 4 else 'base32'} data at input byte {offset}"
    try:
        raw: bytes = decoder(stripped)
    except (binascii.Error, ValueError):
        return f"illegal {'base64' if block == 4 else 'base32'} data at input byte {len(body)}"
    return raw.decode("utf-8", "replace")


@define("sha1sum", params=("string",), result="string")
def sha1sum(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


@define("sha256sum", params=("string",), result="string")
def sha256sum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@define("adler32sum", params=("string",), result="string")
def adler32sum(text: str) -> str:
    return str(zlib.adler32(text.encode("utf-8")))


# --- Go's path package -----------------------------------------------------------------------


@define("clean", params=("string",), result="string")
def clean(path: str) -> str:
    if path == "":
        return "."
    rooted = path.startswith("/")
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            elif not rooted:
                parts.append("..")
            continue
        parts.append(part)
    result = ("/" if rooted else "") + "/".join(parts)
    return result or ("/" if rooted else ".")


@define("base", params=("string",), result="string")
def base(path: str) -> str:
    if path == "":
        return "."
    path = path.rstrip("/")
    if path == "":
        return "/"
    return path.rsplit("/", 1)[-1]


@define("dir", params=("string",), result="string")
def dir_(path: str) -> str:
    head = path[: path.rfind("/") + 1]
    return clean(head)


@define("ext", params=("string",), result="string")
def ext(path: str) -> str:
    for i in range(len(path) - 1, -1, -1):
        if path[i] == "/":
            break
        if path[i] == ".":
            return path[i:]
    return ""


@define("isAbs", params=("string",), result="bool")
def is_abs(path: str) -> bool:
    return path.startswith("/")


# --- net/url ---------------------------------------------------------------------------------


@define("urlParse", params=("string",), result=_MAP)
def url_parse(text: str) -> dict[str, Any]:
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        # Go quotes the URL here; kes leaves it out because URLs often carry credentials.
        raise values.FuncError("unable to parse url: net/url: invalid control character in URL")
    try:
        parts = urllib.parse.urlsplit(text)
        _ = parts.port  # urllib checks the port lazily; Go refuses a bad one while parsing
    except ValueError as exc:
        raise values.FuncError(f"unable to parse url: {exc}") from None
    netloc = parts.netloc
    userinfo, _, host = netloc.rpartition("@") if "@" in netloc else ("", "", netloc)
    opaque = ""
    path = parts.path
    if parts.scheme and not text[len(parts.scheme) + 1 :].startswith("/"):
        # "mailto:x@y" has an opaque part and no path in net/url.
        opaque, path = path, ""
    return {
        "scheme": parts.scheme,
        "host": host,
        "hostname": _hostname(host),
        "path": urllib.parse.unquote(path),
        "query": parts.query,
        "opaque": opaque,
        "fragment": urllib.parse.unquote(parts.fragment),
        "userinfo": userinfo,
    }


def _hostname(host: str) -> str:
    """url.URL.Hostname(): the host without its port or IPv6 brackets, case kept."""
    colon = host.rfind(":")
    port = host[colon + 1 :]
    if colon != -1 and all("0" <= ch <= "9" for ch in port):
        host = host[:colon]
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


@define("urlJoin", params=(_MAP,), result="string")
def url_join(parts: dict[str, Any]) -> str:
    def field(name: str) -> str:
        # sprig's dictGetOrEmpty: absent is "", anything but a string panics.
        value = parts.get(name, "")
        if value is None:
            raise values.FuncError(
                "runtime error: invalid memory address or nil pointer dereference"
            )
        if not isinstance(value, str):
            raise values.FuncError(
                f"unable to parse {name} key, must be of type string, "
                f"but {values.kind_of(value)} found"
            )
        return value

    scheme, host, path = field("scheme"), field("host"), field("path")
    query, opaque, fragment, userinfo = (
        field("query"),
        field("opaque"),
        field("fragment"),
        field("userinfo"),
    )
    out = []
    if scheme:
        out.append(scheme + ":")
    if opaque:
        out.append(opaque)
    else:
        if scheme or host or userinfo:
            out.append("//")
            if userinfo:
                out.append(userinfo + "@")
            out.append(host)
        if path and not path.startswith("/") and host:
            out.append("/")
        # net/url's encodePath keeps only these besides letters and digits.
        out.append(urllib.parse.quote(path, safe="/:@$&+,;=-._~"))
    if query:
        out.append("?" + query)
    if fragment:
        out.append("#" + urllib.parse.quote(fragment, safe="/:@$&+,;=?!()*-._~"))
    return "".join(out)


FUNCS = TABLE.funcs
