"""Read YAML as plain data only.

`yaml.safe_load` already refuses Python tags (hazard L1). On top of it this loader refuses anchors and
aliases, so a few hundred bytes cannot expand to megabytes (L2), refuses duplicate keys, which YAML
silently lets the last one win, and bounds nesting depth (L7).

libyaml (when PyYAML has it) scans and parses, Python composes and constructs, so the refusals run on
either path; what libyaml cannot read, or might read differently, goes to the pure loader, whose verdict and wording stand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sskg.errors import EvidenceError, UnsafeInputError

MAX_BYTES = 2_000_000
MAX_DEPTH = 40


class _Strict:
    """The refusals, as composer and constructor hooks shared by both loaders below."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise _Refused(f"line {mark.line + 1}: anchors and aliases (*name) are not allowed")
        event = self.peek_event()  # type: ignore[attr-defined]
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            raise _Refused(f"line {event.start_mark.line + 1}: anchors (&{anchor}) are not allowed")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"line {event.start_mark.line + 1}: nesting deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)  # type: ignore[misc]
        finally:
            self._depth -= 1

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[attr-defined]
            try:
                duplicate = key in seen
            except TypeError:  # unhashable: a list or mapping used as a key
                raise _Refused(f"line {key_node.start_mark.line + 1}: a list or mapping cannot be a key") from None
            if duplicate:
                raise _Refused(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _PureLoader(_Strict, yaml.SafeLoader):
    pass


if yaml.__with_libyaml__:

    class _FastLoader(_Strict, yaml.composer.Composer, yaml.cyaml.CParser, yaml.constructor.SafeConstructor,
                      yaml.resolver.Resolver):
        """libyaml scans and parses (about ten times faster); Python composes, so the hooks above still run.

        Composer precedes CParser so its Python `compose_node` is used, not libyaml's own composer, which would
        bypass the refusals.
        """

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

else:  # PyYAML built without libyaml
    _FastLoader = _PureLoader  # type: ignore[misc,assignment]


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
        return _load(text)
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


def _load(text: str) -> Any:
    """The pure loader's verdict, reached through libyaml where that gives the same data."""
    # libyaml accepts tabs and byte-order marks in places the pure loader refuses: such text keeps that refusal.
    if "\t" not in text and "\ufeff" not in text:
        try:
            return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - SafeConstructor with the refusals above
        except (_Refused, yaml.YAMLError):
            pass  # libyaml words errors differently: the pure loader below names the problem as it always did
    return yaml.load(text, Loader=_PureLoader)  # noqa: S506 - a SafeLoader subclass
