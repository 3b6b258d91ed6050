"""Guard against a Qt binding that drops references to None (PySide6 6.12.0 on Python 3.11 did:
every void call; a clerk's app aborted with "none_dealloc" after enough repaints)."""

import sys

from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QLineEdit


def test_void_calls_keep_none_alive(qtbot):
    edit = QLineEdit()
    qtbot.add_widget(edit)
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    before = sys.getrefcount(None)
    for _ in range(2000):
        edit.setText("x")
        painter.save()
        painter.restore()
    after = sys.getrefcount(None)
    painter.end()
    assert after >= before - 50
