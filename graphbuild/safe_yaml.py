"""Read YAML as plain data only.

`yaml.safe_load` already refuses Python tags (hazard L1). On top of it this loader refuses anchors and
aliases, so a few hundred bytes cannot expand to megabytes (L2), refuses duplicate keys, which YAML
silently lets the last one win, bounds nesting depth (L7), and refuses integers beyond 64 bits (Python would
not even convert one of 5,000 digits; Oxigraph holds 64-bit integers), naming the key they stand under.

Most files are plain data: strings, numbers, booleans, nulls, lists and mappings, with none of the above.
`_plain_data` reads those from libyaml's events (when PyYAML has libyaml), several times faster than the
pure loader; anything else goes to the pure loader, whose verdict and wording stand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    DocumentEndEvent, DocumentStartEvent, Event, MappingEndEvent, MappingStartEvent, ScalarEvent,
    SequenceEndEvent, SequenceStartEvent, StreamEndEvent, StreamStartEvent,
)
from yaml.nodes import ScalarNode

from sskg.errors import EvidenceError, UnsafeInputError

MAX_BYTES = 2_000_000
MAX_DEPTH = 40
_INT_TAG = "tag:yaml.org,2002:int"


class _Unreadable:
    """Stands, in the loaded data, for a scalar the loader refused, so the refusal can name the key it stood under."""

    made = 0  # how many were ever made: a file's data is searched for them only when this grew while it loaded

    def __init__(self, problem: str) -> None:
        self.problem = problem
        _Unreadable.made += 1


def _bounded_int(constructor: SafeConstructor, node: ScalarNode) -> int | _Unreadable:
    digits = node.value.lstrip("+-").replace("_", "")
    if len(digits) > 70:  # 64 bits in binary digits, and then some: refused before Python is asked to convert it
        return _Unreadable(f"an integer of {len(digits)} digits")
    value = SafeConstructor.construct_yaml_int(constructor, node)
    return value if -(2**63) <= value < 2**63 else _Unreadable(f"the integer {node.value[:30]}{'…' if len(node.value) > 30 else ''}, beyond 64 bits")


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
            try:
                duplicate = key in seen
            except TypeError:  # unhashable: a list or mapping used as a key
                raise _Refused(f"line {key_node.start_mark.line + 1}: a list or mapping cannot be a key") from None
            if duplicate:
                raise _Refused(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(_INT_TAG, _bounded_int)


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
    made = _Unreadable.made
    data = _loaded(text, path)
    if _Unreadable.made != made:
        field, unreadable = next(_unreadable(data, ""))
        record = None
        if isinstance(data, list):  # a list of records (references.yaml): name the record by its key
            index, _, field = field[1:].partition("]")
            item = data[int(index)]
            record = str(item.get("key") or f"#{int(index) + 1}") if isinstance(item, dict) else f"#{int(index) + 1}"
            field = field.lstrip(".")
        raise EvidenceError(f"{unreadable.problem}: no count or year is that large", file=str(path), record=record,
                            field=field or None, fix="check the number; write it as the review does")
    return data


def _unreadable(data: Any, path: str) -> Iterator[tuple[str, _Unreadable]]:
    """(field path, stand-in) of each refused scalar, in the evidence errors' notation: findings[0].estimates[1].value."""
    if isinstance(data, _Unreadable):
        yield path, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _unreadable(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _unreadable(value, f"{path}[{index}]")


def _loaded(text: str, path: Path) -> Any:
    try:
        return _plain_data(text)
    except _NotPlain:
        pass  # the strict loader below reads it, or refuses it with the reason
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


_STR = "tag:yaml.org,2002:str"
_NODE_STARTS = (ScalarEvent, SequenceStartEvent, MappingStartEvent)
_COMMENTED_HEADER = re.compile(r"[|>][-+0-9]*#")  # a block scalar header with a comment but no space before it
_CONSTRUCTOR = SafeConstructor()
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTS: dict[str, Callable[[SafeConstructor, ScalarNode], Any]] = {
    **{f"tag:yaml.org,2002:{name}": SafeConstructor.yaml_constructors[f"tag:yaml.org,2002:{name}"]
       for name in ("null", "bool", "float")},
    _INT_TAG: _bounded_int,
}


class _NotPlain(Exception):
    """The text is not plain data, or not YAML: leave it to the strict loader."""


def _plain_data(text: str) -> Any:
    """The data of a one-document plain YAML text, as the strict loader would give it; _NotPlain otherwise.

    Plain: scalars that resolve to a string, null, boolean, integer or float, in lists and mappings nested at
    most MAX_DEPTH deep, with scalar keys that do not repeat. Anchors, aliases, tags, merge keys, directives,
    several documents, syntax errors and text libyaml reads differently are left to the strict loader.
    """
    if not yaml.__with_libyaml__ or _libyaml_may_differ(text):
        raise _NotPlain
    parser = yaml.cyaml.CParser(text)
    try:
        _expect(parser, StreamStartEvent)
        start = _expect(parser, DocumentStartEvent)
        if start.version is not None or start.tags is not None:
            raise _NotPlain
        data = _node(parser, parser.get_event(), 1, False)
        _expect(parser, DocumentEndEvent)
        _expect(parser, StreamEndEvent)
        return data
    except yaml.YAMLError:
        raise _NotPlain from None


def _libyaml_may_differ(text: str) -> bool:
    """Tabs, byte-order marks, commented block scalar headers: libyaml reads some that the pure loader refuses."""
    # Most files have no "#" at all, which spares them the regex.
    return "\t" in text or "\ufeff" in text or ("#" in text and _COMMENTED_HEADER.search(text) is not None)


def _expect(parser: Any, kind: type[Event]) -> Any:
    event = parser.get_event()
    if type(event) is not kind:
        raise _NotPlain
    return event


def _node(parser: Any, event: Any, depth: int, in_flow: bool) -> Any:
    kind = type(event)
    if kind not in _NODE_STARTS or event.anchor is not None or event.tag is not None or depth > MAX_DEPTH:
        raise _NotPlain  # an alias, anchor, tag or deep nesting: the strict loader refuses it with the reason
    if kind is ScalarEvent:
        if in_flow and not event.style and "?" in event.value:
            raise _NotPlain  # `[why?]`: libyaml reads it, the pure loader refuses it
        return _scalar(event)
    in_flow = in_flow or event.flow_style
    if kind is SequenceStartEvent:
        items = []
        while type(event := parser.get_event()) is not SequenceEndEvent:
            items.append(_node(parser, event, depth + 1, in_flow))
        return items
    mapping: dict[Any, Any] = {}
    while type(event := parser.get_event()) is not MappingEndEvent:
        if type(event) is not ScalarEvent:  # a list or mapping as key, or an alias
            raise _NotPlain
        key = _node(parser, event, depth + 1, in_flow)
        if key in mapping:
            raise _NotPlain
        mapping[key] = _node(parser, parser.get_event(), depth + 1, in_flow)
    return mapping


def _scalar(event: Any) -> Any:
    tag = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
    if tag == _STR:
        return event.value
    construct = _CONSTRUCTS.get(tag)  # a timestamp, merge key (<<) or value key (=) is not plain
    if construct is None:
        raise _NotPlain
    return construct(_CONSTRUCTOR, ScalarNode(tag, event.value))
