"""YAML from untrusted files: composed from parser events without recursion, bounded while
it is read, and constructed by the safe constructor only.

PyYAML's own composers are recursive (libyaml's in C, so a document nested a few
thousand levels deep overflows the C stack), they let an alias bomb ("billion
laughs") through, since aliases share nodes and only the code that later walks
the data expands them, and they keep the last of two equal keys in a mapping.
Here the parser's events (libyaml's parser when present, which is not recursive)
are composed into nodes with an explicit stack that:

- refuses nesting deeper than ``limits.max_depth`` as soon as it is reached;
- weighs every node by the number of values it expands to, aliases included, and
  refuses a document heavier than ``limits.max_elements`` while it is still being
  read, so an alias bomb costs no more than its own text;
- refuses recursive aliases, duplicate anchors, more than one document, keys that
  are collections and two keys in one mapping that construct to the same value,
  naming the line of both.

Implicit timestamps are off unless asked for: a date stays text, for the schema
that reads it to parse (and to report with a line when it is wrong).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml
from yaml import events as ev
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from openaims.untrusted.interface import DEFAULT_LIMITS, InputError, Limits, Problem
from openaims.untrusted.source import text_of

try:  # libyaml's event parser: iterative, and several times faster than the pure-Python one
    from yaml._yaml import CParser

    _FAST_PARSER: Any = CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _FAST_PARSER = None

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_VALUE = "tag:yaml.org,2002:value"
_STR = "tag:yaml.org,2002:str"
#: Tags whose values are plain data (what JSON can hold, and text for dates).
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
)


class _Resolver(Resolver):
    """YAML 1.1 implicit types without timestamps."""


_Resolver.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _TIMESTAMP]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A YAML document as nodes (with line marks, for reporting where a value is) and as data."""

    root: Node | None
    data: Any

    def line_of(self, path: tuple[str | int, ...], *, key: bool = False) -> int:
        """1-based line of the value (or, with ``key``, of the key) at ``path``; the nearest
        existing ancestor's line when the path does not exist."""
        node = self.root
        if node is None:
            return 1
        found: Node = node
        for part in path:
            if isinstance(found, MappingNode):
                match = next(
                    ((k, v) for k, v in found.value if isinstance(k, ScalarNode) and k.value == str(part)), None
                )
                if match is None:
                    break
                found = match[0] if key and part == path[-1] else match[1]
            elif isinstance(found, SequenceNode) and isinstance(part, int) and 0 <= part < len(found.value):
                found = found.value[part]
            else:
                break
        return int(found.start_mark.line) + 1


class _Frame:
    """A collection being composed."""

    __slots__ = ("anchor", "keys", "node", "pending", "weight")

    def __init__(self, node: SequenceNode | MappingNode, anchor: str | None) -> None:
        self.node = node
        self.anchor = anchor
        self.weight = 1
        self.pending: Node | None = None  # a mapping's key waiting for its value
        self.keys: dict[Any, int] | None = {} if isinstance(node, MappingNode) else None


class _Composer:
    def __init__(self, text: str, source: str, limits: Limits, timestamps: bool) -> None:
        self.source = source
        self.limits = limits
        self.resolver: Any = Resolver() if timestamps else _Resolver()
        self.parser: Any = _FAST_PARSER(text) if _FAST_PARSER is not None else yaml.SafeLoader(text)
        self.anchors: dict[str, Node] = {}
        self.weights: dict[str, int] = {}  # of each anchor whose collection is complete
        self.open: set[str] = set()
        self.keys = SafeConstructor()

    def fail(self, reason: str, mark: Any, problem: Problem = Problem.SYNTAX) -> InputError:
        line = int(mark.line) + 1 if mark is not None else None
        return InputError(self.source, reason, line=line, problem=problem)

    def compose(self) -> Node | None:
        self.parser.get_event()  # stream start
        if isinstance(self.parser.peek_event(), ev.StreamEndEvent):
            return None
        self.parser.get_event()  # document start
        root = self._node()
        self.parser.get_event()  # document end
        following = self.parser.get_event()
        if not isinstance(following, ev.StreamEndEvent):
            raise self.fail("holds more than one YAML document; give one", following.start_mark)
        return root

    def _node(self) -> Node:
        stack: list[_Frame] = []
        while True:
            event = self.parser.get_event()
            node: Node
            if isinstance(event, (ev.SequenceEndEvent, ev.MappingEndEvent)):
                frame = stack.pop()
                frame.node.end_mark = event.end_mark
                node, weight = frame.node, frame.weight
                if frame.anchor is not None:
                    self.open.discard(frame.anchor)
                    self.weights[frame.anchor] = weight
            elif isinstance(event, ev.AliasEvent):
                if event.anchor in self.open:
                    raise self.fail(f"alias *{event.anchor} refers to a collection that contains it", event.start_mark)
                if event.anchor not in self.anchors:
                    raise self.fail(f"alias *{event.anchor} names no anchor defined before it", event.start_mark)
                node = self.anchors[event.anchor]
                weight = self.weights[event.anchor]
            else:
                anchor = event.anchor
                if anchor is not None and anchor in self.anchors:
                    first = self.anchors[anchor].start_mark.line + 1
                    raise self.fail(f"anchor &{anchor} is defined twice (first at line {first})", event.start_mark)
                if isinstance(event, ev.ScalarEvent):
                    tag = event.tag
                    if tag is None or tag == "!":
                        tag = self.resolver.resolve(ScalarNode, event.value, event.implicit)
                        if tag == _VALUE:  # a plain '=' is text, as the safe constructor reads it
                            tag = _STR
                    start: Any = event.start_mark  # libyaml's marks have the same fields as PyYAML's
                    end: Any = event.end_mark
                    node = ScalarNode(tag, event.value, start, end, style=event.style)
                    weight = 1
                    if anchor is not None:
                        self.anchors[anchor] = node
                        self.weights[anchor] = 1
                else:
                    kind = SequenceNode if isinstance(event, ev.SequenceStartEvent) else MappingNode
                    tag = event.tag
                    if tag is None or tag == "!":
                        tag = self.resolver.resolve(kind, None, event.implicit)
                    collection = kind(tag, [], event.start_mark, None, flow_style=event.flow_style)
                    if len(stack) >= self.limits.max_depth:
                        raise self.fail(
                            f"nested deeper than {self.limits.max_depth} levels", event.start_mark, Problem.TOO_DEEP
                        )
                    if anchor is not None:
                        self.anchors[anchor] = collection
                        self.open.add(anchor)
                    stack.append(_Frame(collection, anchor))
                    continue
            if not stack:
                if weight > self.limits.max_elements:
                    raise self._too_many(event)
                return node
            self._add(stack[-1], node, weight, event)

    def _add(self, frame: _Frame, node: Node, weight: int, event: Any) -> None:
        collection = frame.node
        if isinstance(collection, MappingNode) and frame.pending is None:
            self._check_key(frame, node)  # a key: one value with its value, not one of its own
            frame.pending = node
            return
        frame.weight += weight
        if frame.weight > self.limits.max_elements:
            raise self._too_many(event)
        if isinstance(collection, SequenceNode):
            collection.value.append(node)
        else:
            assert frame.pending is not None
            collection.value.append((frame.pending, node))
            frame.pending = None

    def _too_many(self, event: Any) -> InputError:
        return self.fail(
            f"expands to more than {self.limits.max_elements} values (aliases count each time they are used)",
            event.start_mark,
            Problem.TOO_MANY,
        )

    def _check_key(self, frame: _Frame, key: Node) -> None:
        if not isinstance(key, ScalarNode):
            raise self.fail("a mapping key must be a single value, not a list or mapping", key.start_mark)
        if key.tag == _MERGE:
            return
        if key.tag == _STR:  # most keys: text is its own identity
            self._remember(frame, key, key.value)
            return
        try:
            value = self.keys.construct_object(key, deep=True)
            hash(value)
        except (ConstructorError, ValueError, TypeError, OverflowError) as exc:
            raise self.fail(f"key {key.value!r} is not valid: {_reason(exc)}", key.start_mark) from None
        # Equal as dictionary keys is what makes two keys one (1 and 1.0 and true, too).
        self._remember(frame, key, key if isinstance(value, float) and math.isnan(value) else value)

    def _remember(self, frame: _Frame, key: ScalarNode, identity: Any) -> None:
        assert frame.keys is not None
        line = int(key.start_mark.line) + 1
        first = frame.keys.get(identity)
        if first is not None:
            raise InputError(
                self.source,
                f"duplicate key {key.value!r} (first at line {first})",
                line=line,
                problem=Problem.DUPLICATE_KEY,
            )
        frame.keys[identity] = line


class _ForbiddenTagError(ConstructorError):
    """A tag that builds something other than plain data."""


class _Constructor(SafeConstructor):
    """The safe constructor, optionally limited to plain data, that names the line of a bad value."""

    def __init__(self, plain: bool) -> None:
        super().__init__()
        self.plain = plain

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        if self.plain and node.tag not in _PLAIN_TAGS and not (node.tag == _TIMESTAMP and isinstance(node, ScalarNode)):
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise _ForbiddenTagError(None, None, f"the tag {tag} is not allowed here; give plain data", node.start_mark)
        try:
            value = super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ConstructorError(None, None, _reason(exc), node.start_mark) from None
        if self.plain and isinstance(value, float) and not math.isfinite(value):
            raise ConstructorError(None, None, f"{node.value!r} is not a finite number", node.start_mark)
        return value


def _reason(exc: BaseException) -> str:
    problem = getattr(exc, "problem", None)
    text = str(problem if problem else exc)
    if "integer string conversion" in text:
        return "a whole number with more than 4300 digits"
    return text.splitlines()[0] if text else type(exc).__name__


def parse_yaml(
    data: str | bytes,
    source: str = "<yaml>",
    *,
    limits: Limits = DEFAULT_LIMITS,
    timestamps: bool = False,
    plain: bool = True,
    construct: bool = True,
) -> YamlDocument:
    """Read one YAML document within ``limits``; raise :class:`InputError` (one line, with
    the line number when there is one) for anything that is not a bounded, well-formed
    document. ``plain`` restricts values to what JSON can hold (no sets, binary, NaN);
    without ``construct`` only the nodes are built (``data`` is None), so tags that only
    an application knows (GitLab's ``!reference``) are not refused."""
    text = text_of(data, source, limits)
    composer = _Composer(text, source, limits, timestamps)
    try:
        root = composer.compose()
        if root is None or not construct:
            return YamlDocument(root, None)
        value = _Constructor(plain).construct_document(root)
    except ConstructorError as exc:  # well-formed YAML, but a value that cannot be built
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        reason = _reason(exc)
        unknown = "could not determine a constructor" in reason
        problem = Problem.FORBIDDEN if unknown or isinstance(exc, _ForbiddenTagError) else Problem.SYNTAX
        if unknown:
            tag = str(reason).split("tag", 1)[-1].strip(" '").replace("tag:yaml.org,2002:", "!!")
            reason = f"the tag {tag} is not allowed here"
        raise InputError(source, reason, line=line, problem=problem) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else None
        reason = _reason(exc)
        if "maximum nesting depth" in reason:  # libyaml's own bound, above ours when ours is raised
            raise InputError(
                source, f"nested deeper than {limits.max_depth} levels", line=line, problem=Problem.TOO_DEEP
            ) from None
        raise InputError(source, f"not valid YAML: {reason}", line=line) from None
    except yaml.YAMLError as exc:
        position = getattr(exc, "position", None)  # a character the reader refuses
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        raise InputError(source, f"not valid YAML: {_reason(exc)}", line=line) from None
    except (
        ValueError,
        TypeError,
        OverflowError,
        RecursionError,
        MemoryError,
    ) as exc:  # pragma: no cover - belt and braces
        raise InputError(source, f"not valid YAML: {_reason(exc)}") from None
    return YamlDocument(root, value)


def read_yaml(
    data: str | bytes,
    source: str = "<yaml>",
    *,
    limits: Limits = DEFAULT_LIMITS,
    timestamps: bool = False,
    plain: bool = True,
) -> Any:
    """The data of one YAML document, read as :func:`parse_yaml` does."""
    return parse_yaml(data, source, limits=limits, timestamps=timestamps, plain=plain).data
