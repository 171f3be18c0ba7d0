"""Shared fixtures (helpers the tests import live in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import REAL_DATA


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Extracts of real public datasets vendored in tests/data/real (sources and licences in
    its SOURCES.md). Missing data fails the test: a skipped test would pass silently."""
    if not (REAL_DATA / "SOURCES.md").is_file():
        pytest.fail(f"vendored real datasets not found at {REAL_DATA}")
    return REAL_DATA
