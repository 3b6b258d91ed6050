"""Qt fixtures: a real store with the demo pack, the real main window; no job may outlive a test."""

from __future__ import annotations

import pytest


@pytest.fixture
def window(qtbot, motcua_home):
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
