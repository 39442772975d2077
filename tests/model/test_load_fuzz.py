"""Fuzz the loader: any input either loads or raises LabError; nothing else escapes.

Three generators: random text, random YAML-shaped documents, and mutations of
the bundled example labs (a key deleted, a value replaced, a name misspelt).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from hvlab.errors import LabError
from hvlab.model.load import load_lab_text
from hvlab.model.yamlsource import read_yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
_yaml = YAML(typ="safe", pure=True)


def _load_or_user_error(text: str) -> None:
    try:
        load_lab_text(text, "fuzz.yaml")
    except LabError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.message


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    _load_or_user_error(text)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["10G", "64GiB", "30s", "tor1:1", "node1:NIC1", "Volume1", "all", "1-4"]),
    st.text(max_size=12),
)
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "switches",
                    "hosts",
                    "vms",
                    "links",
                    "nics",
                    "teams",
                    "ports",
                    "members",
                    "memory",
                    "cluster",
                    "endpoints",
                    "speed",
                    "clusters",
                    "nodes",
                    "csvs",
                    "x",
                ]
            ),
            children,
            max_size=5,
        ),
    ),
    max_leaves=30,
)


def _dump(data: Any) -> str:
    import io

    stream = io.StringIO()
    _yaml.dump(data, stream)
    return stream.getvalue()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_random_documents(data: Any) -> None:
    _load_or_user_error(_dump(data))


def _example_docs() -> list[Any]:
    docs = []
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        data, _ = read_yaml(path.read_text(), str(path))
        if isinstance(data, dict) and "name" in data:
            docs.append(data)
    return docs


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out.extend(_paths(value, (*prefix, index)))
    return out


_EXAMPLE_DOCS = _example_docs()  # read once: the strategy must not change between draws


@st.composite
def mutated_examples(draw: st.DrawFn) -> str:
    import copy

    doc = copy.deepcopy(draw(st.sampled_from(_EXAMPLE_DOCS)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["delete", "replace", "misspell"]))
        last = path[-1]
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(scalars)
        elif isinstance(parent, dict):
            parent[str(last) + draw(st.sampled_from(["x", "_", "2"]))] = parent.pop(last)
    return _dump(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_examples())
def test_mutated_examples(text: str) -> None:
    _load_or_user_error(text)
