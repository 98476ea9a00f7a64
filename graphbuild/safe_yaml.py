"""Read YAML as plain data only.

`yaml.safe_load` already refuses Python tags (hazard L1). On top of it this loader refuses anchors and
aliases, so a few hundred bytes cannot expand to megabytes (L2), refuses duplicate keys, which YAML
silently lets the last one win, and bounds nesting depth (L7).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sskg.errors import EvidenceError, UnsafeInputError

MAX_BYTES = 2_000_000
MAX_DEPTH = 40


class _StrictLoader(yaml.SafeLoader):
    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise _Refused(f"line {mark.line + 1}: anchors and aliases (*name) are not allowed")
        event = self.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(f"line {event.start_mark.line + 1}: anchors (&{anchor}) are not allowed")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"line {event.start_mark.line + 1}: nesting deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _Refused(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _Refused(Exception):
    pass


def load_yaml(path: Path) -> Any:
    """Parse one YAML file into plain Python data, or raise an error naming the file."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise UnsafeInputError(
            f"file is {size} bytes, more than the {MAX_BYTES} allowed",
            file=str(path),
            fix="split the file; one study per file",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise EvidenceError(
            f"not UTF-8 text (byte {error.start})", file=str(path), fix="save the file as UTF-8"
        ) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except _Refused as refused:
        raise UnsafeInputError(
            str(refused), file=str(path), fix="write the value out in full; YAML here is plain data"
        ) from None
    except yaml.constructor.ConstructorError as error:
        raise UnsafeInputError(
            f"unsupported YAML tag: {error.problem}",
            file=str(path),
            fix="remove the !!tag; only plain strings, numbers, booleans, lists and mappings are allowed",
        ) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise EvidenceError(
            f"{where}not valid YAML ({getattr(error, 'problem', None) or error})",
            file=str(path),
            fix="check indentation and quoting at that line",
        ) from None
