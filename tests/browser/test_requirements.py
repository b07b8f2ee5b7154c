"""A missing browser skips the browser tests on a workstation but fails them under CI."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from tests.browser import support

pytestmark = pytest.mark.browser
"""Drives Chromium: left out of make test-fast."""


@pytest.fixture(params=["chromium", "playwright"])
def missing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make one requirement look absent; returns its name."""
    if request.param == "chromium":
        monkeypatch.setattr(support, "CHROMIUM", Path("/nonexistent/chromium"))
    else:  # Chromium present (any existing file will do), the package missing
        monkeypatch.setattr(support, "CHROMIUM", Path(sys.executable))
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: None)
    return str(request.param)


def test_without_ci_a_missing_requirement_skips_with_the_reason(
    missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=missing):
        support.require_browser()


@pytest.mark.parametrize("ci", ["true", "TRUE"])
def test_under_ci_a_missing_requirement_fails(
    missing: str, ci: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match=missing):
        support.require_browser()
