"""Qt fixtures: a real store with the demo pack, the real main window; no job or top-level
window may outlive a test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_dangling_jobs_or_windows(qapp):
    """Every Qt test ends with the thread pools idle and no stray top-level window left open
    (an error box the clerk would see included)."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}
    yield
    from desktop.tasks import wait_idle

    assert wait_idle(5000), "a background job outlived its test"
    QApplication.processEvents()
    leaked = [w for w in QApplication.topLevelWidgets()
              if w.isVisible() and id(w) not in before]
    names = [f"{type(w).__name__}: {w.text()}" if isinstance(w, QMessageBox) else type(w).__name__
             for w in leaked]  # an error box the test did not expect shows its sentence
    for w in leaked:
        w.close()
    assert not leaked, f"top-level windows left open: {names}"


@pytest.fixture
def window(qtbot, motcua_home):
    """The main window on a real store in this test's home, demo pack installed, 1366×768."""
    from PySide6.QtWidgets import QApplication

    from desktop.app import build_window
    from desktop.resources import install_font_and_style

    install_font_and_style(QApplication.instance())
    w = build_window(motcua_home)
    w.resize(1366, 768)
    qtbot.add_widget(w)
    w.show()
    yield w
    from desktop.tasks import wait_idle

    assert wait_idle(5000), "a background job outlived its test"
    QApplication.processEvents()  # deliver the finished jobs' results before closing the store
    w.close()
    w.store.close()
