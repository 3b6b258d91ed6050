"""Qt fixtures: a real store with the demo pack, the real main window; guards after every test:
no background job outlives it, and no error box reached the clerk unless the test expected it."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def qt_guards(qtbot):
    """Fail a test that leaves a job running or shows an error box it did not close."""
    yield
    from PySide6.QtWidgets import QApplication, QMessageBox

    from desktop.tasks import wait_idle

    assert wait_idle(5000), "a background job outlived its test"
    QApplication.processEvents()
    boxes = [w for w in QApplication.topLevelWidgets()
             if isinstance(w, QMessageBox) and w.isVisible()]
    texts = [b.text() for b in boxes]
    for b in boxes:
        b.close()
    assert not texts, f"unexpected error shown to the clerk: {texts}"


@pytest.fixture
def window(qtbot, motcua_home):
    """The main window on a real store in this test's home, demo pack installed, 1366×768."""
    from desktop.app import build_window
    from desktop.resources import install_font_and_style
    from PySide6.QtWidgets import QApplication

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
