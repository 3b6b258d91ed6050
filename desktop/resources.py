"""Resources for the Qt app: the bundled font, the style sheet, icons (frozen-aware paths)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from knowledge.paths import resource

path = resource


def install_font_and_style(app: QApplication) -> None:
    """Register DejaVu Sans (Vietnamese glyphs on every machine) and apply ``app.qss``."""
    families: list[str] = []
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font_id = QFontDatabase.addApplicationFont(str(resource("fonts", name)))
        if font_id >= 0:
            families += QFontDatabase.applicationFontFamilies(font_id)
    if families:
        app.setFont(QFont(families[0], 10))
    qss: Path = resource("styles", "app.qss")
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
