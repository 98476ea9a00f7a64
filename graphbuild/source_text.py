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

    @classmethod
    def read(cls, path: Path) -> SourceText:
        return cls(path.read_text(encoding="utf-8"))

    @cached_property
    def _normalised(self) -> tuple[str, list[int]]:
        # Collapse white space, remembering for each kept character its offset in the original.
        chars: list[str] = []
        offsets: list[int] = []
        previous_space = False
        for offset, char in enumerate(self.text):
            if char.isspace():
                if not previous_space:
                    chars.append(" ")
                    offsets.append(offset)
                previous_space = True
            else:
                chars.append(char)
                offsets.append(offset)
                previous_space = False
        return "".join(chars), offsets

    def find(self, quote: str) -> Span | None:
        """The first place the quote stands, as offsets into the original text; None if absent."""
        needle = _SPACE.sub(" ", quote.strip())
        haystack, offsets = self._normalised
        index = haystack.find(needle)
        if index < 0 or not needle:
            return None
        last = index + len(needle) - 1
        return Span(offsets[index], offsets[last] + 1)
