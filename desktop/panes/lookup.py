"""The lookup filters: field, level, audience and pack, filled from the installed packs' facets."""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from knowledge.search import Filters
from knowledge.store import Store

ANY = "— Tất cả —"
FACETS = (("field", "Lĩnh vực"), ("level", "Cấp"), ("audience", "Đối tượng"), ("pack", "Gói"))


class LookupPane(QWidget):
    """A row of filters; ``changed`` fires when the clerk picks another value."""

    changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.combos: dict[str, QComboBox] = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for key, label in FACETS:
            combo = QComboBox()
            combo.setObjectName(f"filter_{key}")
            # Field names are long: never let one widen the window past a 1366 px screen.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8 if key != "field" else 18)
            combo.currentIndexChanged.connect(self.on_current_index_changed)
            caption = QLabel(f"&{label}:" if key == "field" else f"{label}:")
            caption.setBuddy(combo)
            self.combos[key] = combo
            row.addWidget(caption)
            row.addWidget(combo, 2 if key == "field" else 1)
        self.refresh()

    def refresh(self) -> None:
        """Refill the choices from the store (after an install), keeping the current picks."""
        facets = self.store.facets()
        for key, combo in self.combos.items():
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ANY)
            combo.addItems(facets[key])
            combo.setCurrentIndex(max(combo.findText(current), 0))
            combo.blockSignals(False)

    def filters(self) -> Filters:
        def value(key: str) -> str | None:
            text = self.combos[key].currentText()
            return None if text in ("", ANY) else text

        return Filters(field=value("field"), level=value("level"), audience=value("audience"),
                       pack_id=value("pack"))

    @Slot(int)
    def on_current_index_changed(self, _i: int) -> None:
        self.changed.emit()
