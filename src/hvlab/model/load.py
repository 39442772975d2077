"""Load a lab file: YAML → plain data with positions → :class:`Lab` → cross-reference checks.

Three layers, as containerlab does it: the JSON Schema (``hvlab schema``) for the
editor; strict parsing here that rejects unknown keys and bad values; then the
meaning checks of :mod:`hvlab.model.references`. Every problem is collected and
reported together as ``file:line:col: path: message``, with a did-you-mean where
a near name exists.
"""

from __future__ import annotations

import difflib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from hvlab.errors import LabError, Problem
from hvlab.model.lab import Lab, SourceMap
from hvlab.model.yamlsource import Positions, dotted, read_yaml

__all__ = ["load_lab", "load_lab_text", "suggest"]

_MERGEABLE = {
    "vlans",
    "sites",
    "wan_links",
    "switches",
    "hosts",
    "clusters",
    "vms",
    "load_balancers",
    "web_sites",
    "scenarios",
    "timers",
}


def suggest(word: str, choices: typing.Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _read(path: Path, text: str | None, seen: tuple[Path, ...]) -> tuple[dict[str, Any], Positions]:
    name = str(path)
    if text is None:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise LabError(Problem(f"cannot read the lab file: {exc.strerror}", name)) from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise LabError(
                Problem(f"not UTF-8 text (byte {exc.start}); save the lab file as UTF-8", name)
            ) from None
    data, positions = read_yaml(text, name)
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise LabError(
            Problem(
                f"a lab file must be a mapping with at least 'name:' (this one is {kind})",
                name,
                1,
                1,
            )
        )
    includes = data.pop("include", None)
    if includes is None:
        return data, positions
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        pos = positions.get(("include",), (name, 1, 1))
        raise LabError(Problem.at("include: must be a file name or a list of them", pos, "include"))
    for index, include in enumerate(includes):
        target = (path.parent / include).resolve()
        pos = positions.get(("include", index), positions.get(("include",), (name, 1, 1)))
        if target in seen:
            raise LabError(Problem.at(f"{include} includes itself (cycle)", pos, "include"))
        if not target.is_file():
            raise LabError(
                Problem.at(f"no file {include!r} next to {path.name}", pos, f"include[{index}]")
            )
        sub, sub_positions = _read(target, None, (*seen, target))
        _merge(data, positions, sub, sub_positions)
    return data, positions


def _merge(
    data: dict[str, Any], positions: Positions, sub: dict[str, Any], sub_positions: Positions
) -> None:
    problems: list[Problem] = []
    for key, value in sub.items():
        if key not in data:
            data[key] = value
        elif key == "links" and isinstance(data[key], list) and isinstance(value, list):
            offset = len(data[key])
            data[key].extend(value)
            for p, where in sub_positions.items():
                if p[:1] == ("links",) and len(p) > 1 and isinstance(p[1], int):
                    positions[("links", p[1] + offset, *p[2:])] = where
            continue
        elif key in _MERGEABLE and isinstance(data[key], dict) and isinstance(value, dict):
            for name, item in value.items():
                if name in data[key]:
                    first = positions.get((key, name))
                    at = f" (first at {first[0]}:{first[1]})" if first else ""
                    problems.append(
                        Problem.at(
                            f"duplicate name {name!r}{at}; every name must be unique",
                            sub_positions.get((key, name)),
                            f"{key}.{name}",
                        )
                    )
                data[key][name] = item
        else:
            problems.append(
                Problem.at(
                    f"{key!r} is set in two files; only {', '.join(sorted(_MERGEABLE))} "
                    "and links can be split across files",
                    sub_positions.get((key,)),
                    key,
                )
            )
            continue
        for p, where in sub_positions.items():
            if p[:1] == (key,) and p not in positions:
                positions[p] = where
    if problems:
        raise LabError(problems)


def _unwrap(annotation: Any) -> list[Any]:
    """Return the concrete types an annotation may hold (through Optional, Annotated)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def _model_at(loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """Return the model class that the object at ``loc`` in a lab document is validated as."""
    current: list[Any] = [Lab]
    for part in loc:
        nxt: list[Any] = []
        for ann in current:
            for typ in _unwrap(ann):
                origin = typing.get_origin(typ)
                if isinstance(typ, type) and issubclass(typ, BaseModel):
                    field = typ.model_fields.get(str(part))
                    if field is None:
                        field = next(
                            (f for f in typ.model_fields.values() if f.alias == part), None
                        )
                    if field is not None:
                        nxt.append(field.annotation)
                elif origin is dict:
                    nxt.append(typing.get_args(typ)[1])
                elif origin in (tuple, list):
                    nxt.append(typing.get_args(typ)[0])
        current = nxt
    for ann in current:
        for typ in _unwrap(ann):
            if isinstance(typ, type) and issubclass(typ, BaseModel):
                return typ
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items() if name != "name"]


def _problem_from_error(error: Any, source: SourceMap) -> Problem:
    loc: tuple[str | int, ...] = tuple(
        part for part in error["loc"] if not (isinstance(part, str) and "[" in part)
    )
    kind = error["type"]
    where = source.locate(loc)
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        model = _model_at(loc[:-1])
        valid = _field_names(model) if model else []
        hint = suggest(key, valid)
        choices = f"; valid keys: {', '.join(valid)}" if valid and not hint else ""
        return Problem.at(f"unknown key {key!r}{hint}{choices}", where, dotted(loc))
    if kind == "missing":
        return Problem.at(f"missing required key {loc[-1]!r}", where, dotted(loc[:-1]))
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "literal_error":
        got = error.get("input")
        expected = error.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ", ").split(",")]
        message = f"{got!r} is not one of {expected}{suggest(str(got), options)}"
    elif kind not in ("value_error", "assertion_error") and "input" in error:
        got = error["input"]
        if not isinstance(got, (dict, list)):
            message = f"{message} (got {got!r})"
    return Problem.at(message, where, dotted(loc))


def _inherit_defaults(data: dict[str, Any]) -> None:
    """Give each host the lab's ``defaults.os`` unless it names its own."""
    defaults = data.get("defaults")
    hosts = data.get("hosts")
    if not isinstance(defaults, dict) or not isinstance(hosts, dict) or "os" not in defaults:
        return
    for host in hosts.values():
        if isinstance(host, dict) and "os" not in host:
            host["os"] = defaults["os"]


def _build(data: dict[str, Any], positions: Positions, name: str) -> Lab:
    from hvlab.model.references import check_references

    source = SourceMap(positions)
    _inherit_defaults(data)
    try:
        lab = Lab.model_validate(data)
    except ValidationError as exc:
        problems = [_problem_from_error(e, source) for e in exc.errors()]
        problems.sort(key=lambda p: (p.file or "", p.line or 0, p.col or 0))
        raise LabError(problems) from None
    lab._source = source
    problems = check_references(lab)
    if problems:
        raise LabError(problems)
    return lab


def load_lab(path: str | Path) -> Lab:
    """Return the :class:`Lab` described by the YAML file at ``path``.

    Raises :class:`hvlab.errors.LabError` listing every problem found, each as
    ``file:line:col: path: message``.
    """
    path = Path(path)
    data, positions = _read(path, None, (path.resolve(),))
    return _build(data, positions, str(path))


def load_lab_text(text: str, filename: str = "<lab>") -> Lab:
    """Return the :class:`Lab` described by YAML ``text`` (``filename`` names it in errors)."""
    path = Path(filename)
    data, positions = _read(path, text, (path.resolve(),))
    return _build(data, positions, filename)
