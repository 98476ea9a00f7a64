"""What every `sskg` command shares: one clear message per error, and NAME=VALUE parameters."""

from __future__ import annotations

import functools
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
