"""Shared fixtures (helpers the tests import live in tests/helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import SHARED_DATA


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets (../shared/data); CI always has them beside the clone.
    Missing data fails the test: a skipped test would pass silently."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real datasets not found at {SHARED_DATA} (set ADVISOR_SHARED_DATA)")
    return SHARED_DATA
