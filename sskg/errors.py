"""The one exception family of sskg: every error names where it happened and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SskgError(Exception):
    """Base error. `file`, `record` and `field` locate the problem; `fix` tells the user what to do."""

    message: str
    file: str | None = None
    record: str | None = None
    field: str | None = None
    fix: str | None = None

    exit_code = 2

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"record {self.record}" if self.record else None,
                f"field {self.field}" if self.field else None,
            )
            if part
        )
        text = f"{where}: {self.message}" if where else self.message
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class EvidenceError(SskgError):
    """A curated evidence file is malformed or inconsistent."""


class UnsafeInputError(SskgError):
    """Input that could run code, fetch from the network or exhaust memory was refused."""


class QueryError(SskgError):
    """A SPARQL query is malformed, refused or failed."""


class ReasonerError(SskgError):
    """The reasoner could not run, timed out or found the graph inconsistent."""


class OutputError(SskgError):
    """An output could not be written."""
