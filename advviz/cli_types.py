"""The headless commands' argument types: numbers, ε values, counts, model lists and devices, each refusing a
bad value with one line that says why, while argparse parses (before any model loads)."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable


def eps_value(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ε must be a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"ε must be a finite number ≥ 0, got {text!r}")
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# The smallest ε > 0 taken: pixels are float32, which moves a pixel near 1 in steps of 6e-8. A smaller ε (1e-300,
# 0 in float32) left x unchanged as ε = 0 does, and printed its tables of zeros, or R² = 1 for every model.
MIN_EPS = 1e-6


def eps_above_zero(why: str) -> Callable[[str], float]:
    """An argparse type for an ε that must not be 0 (nor so small that float32 pixels cannot move by it);
    ``why`` says what 0 would break."""
    def parse(text: str) -> float:
        value = eps_value(text) if not _is_number(text) else float(text)  # not a number: eps_value says so
        if not math.isfinite(value) or value <= 0:  # the bound is > 0 here, not eps_value's ≥ 0
            raise argparse.ArgumentTypeError(f"must be a finite number > 0 ({why}), got {text!r}")
        if value < MIN_EPS:
            raise argparse.ArgumentTypeError(f"must be at least {MIN_EPS:g} (a smaller ε is lost in the float32 "
                                             f"rounding of the pixels, as if it were 0), got {text!r}")
        return value

    return parse


positive_eps = eps_above_zero("0 would leave only x itself")  # an ε that spans a range (ε_max, a half-width)


def positive_float(text: str) -> float:
    """A finite number > 0, checked while parsing (a learning rate of −1 failed in torch after the data loaded)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return value


def eps_list(text: str) -> list[float]:
    return [eps_value(part) for part in text.split(",") if part.strip()] or [eps_value(text)]


def int_at_least(minimum: int, why: str = "", *, maximum: int | None = None, why_not_more: str = ""
                 ) -> Callable[[str], int]:
    """An argparse type for whole numbers ≥ ``minimum`` (and ≤ ``maximum``); ``why`` says what a smaller
    one would break, ``why_not_more`` what a larger one would.

    The real bound is checked here, while parsing: a value that passes must not be refused later,
    after seconds of loading torch and the model."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            reason = f" ({why})" if why else ""
            raise argparse.ArgumentTypeError(f"must be at least {minimum}{reason}, got {value}")
        if maximum is not None and value > maximum:
            reason = f" ({why_not_more})" if why_not_more else ""
            raise argparse.ArgumentTypeError(f"must be at most {maximum}{reason}, got {value}")
        return value

    return parse


positive_int = int_at_least(1)

# torch's generators take seeds 0 … 2⁶⁴ − 1; a larger one failed after loading as "Overflow when unpacking long long"
seed_value = int_at_least(0, "a seed is a whole number 0 … 2⁶⁴ − 1", maximum=2**64 - 1,
                          why_not_more="torch's seeds are 64-bit")

# Upper bounds of the counts, checked while parsing: a typo (--steps 10000000, --resolution 100000) ran for
# minutes before anything printed. Each is at least the window's own largest setting.


def model_list(minimum: int = 1, why: str = "") -> Callable[[str], list[str]]:
    """An argparse type for ``--models``: comma-separated names, at least ``minimum`` of them, counted
    before torch loads (about 4 s)."""
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        repeated = sorted({name for name in names if names.count(name) > 1}, key=names.index)
        if repeated:  # a model given twice only repeats its rows (and its columns) word for word
            raise argparse.ArgumentTypeError(f"lists {', '.join(repeated)} more than once; give each model once")
        if len(names) < minimum:
            count = {1: "one", 2: "two", 3: "three"}.get(minimum, str(minimum))
            wanted = "one model name" if minimum == 1 else f"{count} comma-separated model names"
            reason = f" ({why})" if why else ""
            raise argparse.ArgumentTypeError(f"needs at least {wanted}{reason}, got {len(names) or 'none'}"
                                             + (f": {', '.join(names)}" if names else ""))
        return names

    return parse


def device_name(text: str) -> str:
    name = text.strip().lower()
    if name in ("auto", "cpu", "cuda") or re.fullmatch(r"cuda:\d+", name):
        return name
    raise argparse.ArgumentTypeError(f"unknown device {text!r}; choose auto, cpu or cuda:N")


# -- output -------------------------------------------------------------------------------------
