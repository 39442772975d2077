"""What every command shares: consoles, the output-format option, user-error handling.

Each command module in this package defines ``register(app)`` adding its commands
to the Typer app; :mod:`hvlab.cli` calls them. Commands stay thin: parse, call
:mod:`hvlab.api` or an engine, render with :mod:`hvlab.report`.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from hvlab.errors import UserError
from hvlab.report.text import render_problems

__all__ = [
    "F",
    "FindingsFormat",
    "Format",
    "FormatOption",
    "LabArgument",
    "Level",
    "err",
    "out",
    "user_errors",
]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

F = TypeVar("F", bound=Callable[..., Any])


class Format(StrEnum):
    """Output formats every command offers."""

    text = "text"
    json = "json"


class FindingsFormat(StrEnum):
    """Output formats of the commands that report findings (``check``, ``audit``)."""

    text = "text"
    json = "json"
    sarif = "sarif"


class Level(StrEnum):
    """Severities ``--fail-on`` accepts."""

    error = "error"
    warning = "warning"
    info = "info"


FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output format: text or json.")
]
LabArgument = Annotated[
    Path, typer.Argument(help="The lab file (YAML).", show_default=False, dir_okay=False)
]


def user_errors(func: F) -> F:
    """Turn :class:`UserError` into exit code 2 and anything else into exit code 3."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            render_problems(err, exc.problems)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception:
            err.print("hvlab: internal error (a bug in hvlab; please report it with the lab file):")
            err.print(traceback.format_exc(), markup=False)
            raise typer.Exit(3) from None

    return wrapper  # type: ignore[return-value]
