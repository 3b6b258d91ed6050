"""Resources for the Qt app: the bundled font, the style sheet, icons (frozen-aware paths)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from knowledge.paths import resource

path = resource  # files resolve through knowledge.paths (source tree or PyInstaller bundle)


def install_font_and_style(app: QApplication) -> None:
    """Register DejaVu Sans (Vietnamese glyphs on every machine), apply ``app.qss``, set the icon."""
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
    app.setWindowIcon(icon("motcua.png"))


def icon(name: str) -> QIcon:
    """An icon from ``resources/icons`` (an empty icon when the file is missing)."""
    p = resource("icons", name)
    return QIcon(str(p)) if p.exists() else QIcon()
