"""Shared test fixtures: paths to the examples and to ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def examples() -> Path:
    """The bundled example labs."""
    return EXAMPLES


@pytest.fixture
def shared_data() -> Path:
    """The real data files beside the project (skips when ../shared is absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (real data files live outside the repository)")
    return SHARED_DATA
