"""Read YAML into plain Python data plus the position of every part of it.

ruamel.yaml composes the document (with libyaml through ``ruamel.yaml.clib``
when installed, about 10x faster than the pure-Python parser, which is the
fallback); this module then walks the node tree once, turning it into plain
dicts/lists/scalars under the YAML 1.2 core schema and recording
``path → (file, line, column)`` for every mapping key and sequence item.
Duplicate keys are refused: in a lab they always mean two objects with one name.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import BaseResolver

from hvlab.errors import LabError, Problem

__all__ = ["Positions", "read_yaml"]

Positions = dict[tuple[str | int, ...], tuple[str, int, int]]
"""Path in the document → (file, 1-based line, 1-based column)."""

_PLAIN = "hvlab:plain"

try:
    from ruamel.yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _FastComposer(CParser, BaseResolver):  # type: ignore[misc]
        # Resolving plain scalars in Python through ruamel's resolver costs more than
        # parsing; mark them instead and resolve them with the core-schema regexes below.
        def __init__(self, stream: io.StringIO) -> None:
            CParser.__init__(self, stream)
            BaseResolver.__init__(self)

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            if kind is ScalarNode and implicit[0]:
                return _PLAIN
            return BaseResolver.resolve(self, kind, value, implicit)  # type: ignore[no-any-return]

    _HAVE_C = True
except ImportError:  # pragma: no cover - depends on the installed wheels
    _HAVE_C = False

_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_CORE = [
    (re.compile(r"^(?:~|null|Null|NULL)?$"), "tag:yaml.org,2002:null"),
    (re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tag:yaml.org,2002:bool"),
    (re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$"), "tag:yaml.org,2002:int"),
    (
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        "tag:yaml.org,2002:float",
    ),
]
"""The YAML 1.2 core schema's implicit tags (https://yaml.org/spec/1.2.2/#1032-tag-resolution)."""


def _core_tag(value: str) -> str:
    first = value[:1]
    # Most plain scalars are names; skip the regexes when the first character rules them out.
    if first and not (first.isdigit() or first in "-+.~nNtTfF"):
        return _STR
    for pattern, tag in _CORE:
        if pattern.match(value):
            return tag
    return _STR


def _compose(text: str) -> Node | None:
    if _HAVE_C:
        return _FastComposer(io.StringIO(text)).get_single_node()  # type: ignore[no-any-return]
    return YAML(typ="rt").compose(text)  # type: ignore[no-any-return]


def _scalar(node: ScalarNode) -> Any:
    """Construct a scalar under the YAML 1.2 core schema (str, int, float, bool, null)."""
    tag, value = node.tag, node.value
    if tag == _PLAIN:
        tag = _core_tag(value)
    if tag == _STR:
        return value
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        text = value.replace("_", "")
        if text.lower().startswith(("0x", "0o", "+0x", "-0x", "+0o", "-0o")):
            return int(text, 0)
        return int(text)
    if tag == "tag:yaml.org,2002:float":
        text = value.replace("_", "").lower()
        if text.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if text.endswith(".nan"):
            return float("nan")
        return float(text)
    raise ValueError(f"the YAML tag {tag} is not supported in a lab file")


def _key_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class _Walker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.positions: Positions = {}
        self.problems: list[Problem] = []

    def mark(self, node: Node) -> tuple[str, int, int]:
        return (self.file, node.start_mark.line + 1, node.start_mark.column + 1)

    def walk(self, node: Node, path: tuple[str | int, ...]) -> Any:
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            merged: list[Node] = []
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode):
                    self.problems.append(
                        Problem.at("a key must be a plain name", self.mark(key_node), _dotted(path))
                    )
                    continue
                if key_node.value == "<<" and key_node.tag in (_PLAIN, _MERGE):
                    # A merge key (<<: *anchor) copies the anchor's keys that this mapping
                    # does not set itself; handled after the explicit keys.
                    if isinstance(value_node, SequenceNode):
                        merged.extend(value_node.value)
                    else:
                        merged.append(value_node)
                    continue
                key = _key_text(_scalar(key_node))
                child = (*path, key)
                if key in out:
                    first = self.positions[child]
                    self.problems.append(
                        Problem.at(
                            f"duplicate key {key!r} (first at line {first[1]}); "
                            "every name must be unique",
                            self.mark(key_node),
                            _dotted(child),
                        )
                    )
                    continue
                self.positions[child] = self.mark(key_node)
                out[key] = self.walk(value_node, child)
            for source in merged:
                if not isinstance(source, MappingNode):
                    self.problems.append(
                        Problem.at("<< must merge a mapping", self.mark(source), _dotted(path))
                    )
                    continue
                base = self.walk(source, path)
                for key, value in base.items():
                    out.setdefault(key, value)
            return out
        if isinstance(node, SequenceNode):
            items = []
            for index, item_node in enumerate(node.value):
                child = (*path, index)
                self.positions[child] = self.mark(item_node)
                items.append(self.walk(item_node, child))
            return items
        try:
            assert isinstance(node, ScalarNode)
            return _scalar(node)
        except (YAMLError, ValueError, TypeError) as exc:
            self.problems.append(Problem.at(f"bad value: {exc}", self.mark(node), _dotted(path)))
            return None


def _dotted(path: tuple[str | int, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_yaml(text: str, file: str | Path) -> tuple[Any, Positions]:
    """Return ``(data, positions)`` for a YAML document; raise :class:`LabError` if it is not YAML.

    ``data`` is plain Python (dict with str keys, list, str, int, float, bool, None).
    """
    name = str(file)
    try:
        node = _compose(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        message = (exc.problem or exc.context or "not valid YAML").strip()
        raise LabError(Problem(f"YAML syntax error: {message}", name, line, col)) from None
    except (YAMLError, ValueError, UnicodeError) as exc:
        raise LabError(Problem(f"YAML syntax error: {exc}", name)) from None
    if node is None:
        return None, {}
    walker = _Walker(name)
    walker.positions[()] = walker.mark(node)
    data = walker.walk(node, ())
    if walker.problems:
        raise LabError(walker.problems)
    return data, walker.positions


def dotted(path: tuple[str | int, ...]) -> str:
    """Return a path as users read it: ``hosts.node1.teams.VMTeam.members[2]``."""
    return _dotted(path)
