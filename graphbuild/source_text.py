"""The review's text, and where in it a quote stands."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


class SourceText:
    """The bundled review text. Quotes match it up to differences in white space."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._found: dict[str, Span | None] = {}  # the same words back many records; each search scans the text

    @classmethod
    def read(cls, path: Path) -> SourceText:
        return cls(path.read_text(encoding="utf-8"))

    @cached_property
    def _normalised(self) -> tuple[str, list[int]]:
        # Collapse white space, remembering for each kept character its offset in the original.
        offsets: list[int] = []
        kept_from = 0
        for space in _SPACE.finditer(self.text):
            offsets.extend(range(kept_from, space.start()))
            offsets.append(space.start())
            kept_from = space.end()
        offsets.extend(range(kept_from, len(self.text)))
        return _SPACE.sub(" ", self.text), offsets

    def find(self, quote: str) -> Span | None:
        """The first place the quote stands, as offsets into the original text; None if absent."""
        if quote not in self._found:
            self._found[quote] = self._search(quote)
        return self._found[quote]

    def _search(self, quote: str) -> Span | None:
        needle = _SPACE.sub(" ", quote.strip())
        haystack, offsets = self._normalised
        index = haystack.find(needle)
        if index < 0 or not needle:
            return None
        last = index + len(needle) - 1
        return Span(offsets[index], offsets[last] + 1)
