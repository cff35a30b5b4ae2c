"""`kando output` prints Kanister's exact bytes and fails with its messages and exit code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kes.domain import outputs

TWO = "Command accepts 2 arguments, received "

_ROOT = Path(__file__).resolve().parents[3]


def _kando(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "kes.kando", *args],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )


def test_output_prints_one_marker_line() -> None:
    result = _kando("output", "version", "0.119.0")
    assert result.returncode == 0
    assert result.stdout == b'###Phase-output###: {"key":"version","value":"0.119.0"}\n'
    assert result.stderr == b""


def test_output_escapes_like_go() -> None:
    result = _kando("output", "k", 'a<b>&"c"\n\té')
    assert (
        result.stdout
        == (
            '###Phase-output###: {"key":"k","value":"a\\u003cb\\u003e\\u0026\\"c\\"\\n\\té"}\n'
        ).encode()
    )


def test_undecodable_argument_bytes_become_replacement_escapes() -> None:
    result = _kando("output", "k", b"a\xffb")
    assert result.stdout == b'###Phase-output###: {"key":"k","value":"a\\ufffdb"}\n'


def test_empty_value_is_allowed() -> None:
    assert _kando("output", "k", "").stdout == b'###Phase-output###: {"key":"k","value":""}\n'


def test_the_line_parses_back_to_the_value() -> None:
    value = "x" * 100_000
    result = _kando("output", "big", value)
    assert outputs.parse(result.stdout) == {"big": value}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(("output",), TWO + "0 arguments", id="none"),
        pytest.param(("output", "k"), TWO + "1 arguments", id="one"),
        pytest.param(("output", "k", "v", "w"), TWO + "3 arguments", id="three"),
        pytest.param(("output", "", "v"), "Key should not be empty", id="empty-key"),
        pytest.param(
            ("output", "bad-key", "v"),
            "Key should contain only alphanumeric characters and underscore",
            id="bad-key",
        ),
    ],
)
def test_errors_exit_69_with_kanisters_message(args: tuple[str, ...], message: str) -> None:
    result = _kando(*args)
    assert result.returncode == 69
    assert result.stdout == b""
    assert f"Error: {message}\n".encode() in result.stderr


def test_verbosity_flag_is_accepted() -> None:
    result = _kando("-v", "debug", "output", "k", "v")
    assert result.returncode == 0
    assert result.stdout.startswith(b"###Phase-output###: ")


def test_kando_imports_no_kubernetes_or_pydantic() -> None:
    code = (
        "import sys; import kes.kando.main; "
        "heavy = ('kubernetes', 'pydantic', 'eventsourcing', 'yaml'); "
        "bad = [m for m in heavy if m in sys.modules]; "
        "print(bad)"
    )
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, check=True, timeout=60
    )
    assert result.stdout == b"[]\n"


def test_plain_output_does_not_import_click() -> None:
    code = (
        "import sys; from kes.kando import main; main.main(['output', 'k', 'v']); "
        "print('click' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, check=True, timeout=60
    )
    assert result.stdout == b'###Phase-output###: {"key":"k","value":"v"}\nFalse\n'


def test_dash_values_take_the_full_path_like_cobra_flags() -> None:
    result = _kando("output", "k", "--", "-v")
    assert result.returncode == 0
    assert result.stdout == b'###Phase-output###: {"key":"k","value":"-v"}\n'
