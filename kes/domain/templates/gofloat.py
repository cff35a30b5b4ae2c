"""Go's float64 text forms: strconv's shortest ``'g'`` (what ``%v`` prints) and encoding/json's.

Go prints ``1e+06`` for ``%v`` but ``1000000`` in JSON, and both use the shortest digits that
round-trip; Python's ``repr`` gives the same digits, so both forms are built from them here.
"""

from __future__ import annotations

import math


class JsonError(ValueError):
    """encoding/json refused the value (NaN, Inf, unsupported type)."""


def json_float(value: float) -> str:
    """Go encoding/json float64: shortest digits, 'f' form unless tiny or huge (then 'e', e-7)."""
    if math.isnan(value) or math.isinf(value):
        raise JsonError(f"json: unsupported value: {go_special_float(value)}")
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    magnitude = abs(value)
    if magnitude < 1e-6 or magnitude >= 1e21:
        text = _format_exponent(value)
        # Go cleans e-07 to e-7 (only for negative two-digit exponents).
        if len(text) >= 4 and text[-4:-2] == "e-" and text[-2] == "0":
            text = text[:-2] + text[-1]
        return text
    return _format_fixed_shortest(value)


def go_special_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "+Inf" if value > 0 else "-Inf"


def shortest_digits(value: float) -> tuple[bool, str, int]:
    """(negative, digits, point) of the shortest round-tripping decimal: 0.d1d2… × 10^point.

    Python's repr is the shortest round-trip form, the same digits Go's strconv picks.
    """
    text = repr(value)
    negative = text.startswith("-")
    mantissa, _, exponent = text.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    point = len(whole) + (int(exponent) if exponent else 0)
    significant = digits.lstrip("0")
    point -= len(digits) - len(significant)
    significant = significant.rstrip("0")
    if not significant:
        return negative, "0", 1
    return negative, significant, point


def _format_exponent(value: float) -> str:
    neg, digits, point = shortest_digits(value)
    exp = point - 1
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    sign = "-" if exp < 0 else "+"
    return f"{'-' if neg else ''}{mant}e{sign}{abs(exp):02d}"


def _format_fixed_shortest(value: float) -> str:
    neg, digits, point = shortest_digits(value)
    if point <= 0:
        text = "0." + "0" * (-point) + digits
    elif point >= len(digits):
        text = digits + "0" * (point - len(digits))
    else:
        text = digits[:point] + "." + digits[point:]
    return ("-" if neg else "") + text


def format_float_g(value: float) -> str:
    """strconv.FormatFloat(v, 'g', -1, 64), which is what ``%v`` prints for a float64."""
    if math.isnan(value) or math.isinf(value):
        return go_special_float(value)
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    _, _, point = shortest_digits(value)
    exp = point - 1
    # Shortest 'g' switches to the exponent form from 1e+06 on (strconv's eprec of 6).
    if exp < -4 or exp >= 6:
        return _format_exponent(value)
    return _format_fixed_shortest(value)
