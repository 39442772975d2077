"""The exceptions hvlab raises.

:class:`HvlabError` is the root. :class:`UserError` (and its subclasses) is bad
input from the user: the CLI prints it as ``file:line:col: path: message`` and
exits with code 2. Anything else escaping to the CLI is a bug in hvlab.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HvlabError", "LabError", "Problem", "UserError"]


class HvlabError(Exception):
    """Root of every exception hvlab raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can.

    ``file``, ``line`` and ``col`` are 1-based; ``path`` is the dotted path of the
    field in the lab document (``hosts.node1.teams.VMTeam.members[2]``).
    """

    message: str
    file: str | None = None
    line: int | None = None
    col: int | None = None
    path: str = ""

    @classmethod
    def at(cls, message: str, where: tuple[str, int, int] | None, path: str = "") -> Problem:
        """Return a problem located at ``where`` = (file, line, column), or unlocated if None."""
        if where is None:
            return cls(message, path=path)
        return cls(message, where[0], where[1], where[2], path)

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.col is not None:
                    where += f":{self.col}"
            where += ": "
        path = f"{self.path}: " if self.path else ""
        return f"{where}{path}{self.message}"


class UserError(HvlabError):
    """Bad input from the user (exit code 2). Carries one or more :class:`Problem`."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class LabError(UserError):
    """A lab file that cannot be loaded or is inconsistent."""
