"""Where motcua keeps its data, logs and cache: platformdirs, overridden by MOTCUA_HOME."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

ENV_HOME = "MOTCUA_HOME"


def home(override: str | os.PathLike[str] | None = None) -> Path:
    """Return the data folder, creating it.

    Order: the explicit ``override`` (the CLI's ``--home``), then ``$MOTCUA_HOME``, then the
    per-user data folder (``%LOCALAPPDATA%\\motcua`` on Windows).
    """
    if override:
        path = Path(override)
    elif os.environ.get(ENV_HOME):
        path = Path(os.environ[ENV_HOME])
    else:
        if os.environ.get("PYTEST_CURRENT_TEST"):
            # A test that forgot the fixture must never write into the real user's data.
            raise RuntimeError("tests must set MOTCUA_HOME (see tests/conftest.py)")
        path = Path(platformdirs.user_data_dir("motcua", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_path(base: Path) -> Path:
    """The procedure store (packs, procedures, search index)."""
    return base / "store.db"


def intakes_path(base: Path) -> Path:
    """The intake sessions database, kept apart so a pack install never blocks a save."""
    return base / "intakes.db"


def logs_dir(base: Path) -> Path:
    d = base / "logs"
    d.mkdir(parents=True, exist_ok=True)
    return d


def start_log(base: Path, name: str) -> logging.Handler:
    """Send INFO and above to ``<home>/logs/<name>`` (rotating); return the handler to remove."""
    handler = logging.handlers.RotatingFileHandler(logs_dir(base) / name, maxBytes=2_000_000,
                                                   backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def staging_dir(base: Path) -> Path:
    d = base / "staging"
    d.mkdir(parents=True, exist_ok=True)
    return d


def config_path(base: Path) -> Path:
    """The settings file a supervisor or IT may edit (share path, interval, trusted keys)."""
    return base / "motcua.ini"


def resource(*parts: str) -> Path:
    """A file under ``resources/``, from the source tree or from a frozen (PyInstaller) bundle."""
    import sys

    base = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parent.parent))
    return base.joinpath("resources", *parts)
