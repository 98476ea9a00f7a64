"""What every `sskg` command shares: one clear message per error, NAME=VALUE parameters, time limits."""

from __future__ import annotations

import functools
import math
import sys
from collections.abc import Callable
from typing import Any

import click

from sskg.errors import SskgError


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Show one clear message and exit with the error's code (2 for bad input); --debug shows the traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except SskgError as error:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)

    return wrapper


def split_param(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.UsageError(f"--param {text!r}: write NAME=VALUE")
    return name.strip(), value


MAX_SECONDS = 86_400.0


class Seconds(click.ParamType):
    """A time limit: a finite number of seconds, more than 0 and at most a day (0, nan, inf or 1e308 are refused:
    they would mean no limit at all, or overflow the clocks the limit is kept with)."""

    name = "SECONDS"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        if not (math.isfinite(seconds) and 0 < seconds <= MAX_SECONDS):
            self.fail(f"{value!r} is not a time limit: give seconds, more than 0 and at most {MAX_SECONDS:g} (a day)",
                      param, ctx)
        return seconds


SECONDS = Seconds()
