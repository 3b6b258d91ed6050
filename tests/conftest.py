"""Shared fixtures: a private MOTCUA_HOME per test, offscreen Qt, the shared corpus if present."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def motcua_home(tmp_path, monkeypatch) -> Path:
    """Every test gets its own data folder; nothing touches the real user's data."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("MOTCUA_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def corpus() -> Path:
    """../shared/corpus, or skip the test cleanly when it is absent."""
    if not (CORPUS / "procedures.jsonl").exists():
        pytest.skip("../shared/corpus is not present")
    return CORPUS
