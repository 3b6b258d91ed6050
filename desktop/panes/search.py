"""The search box with results as you type, and the lookup filters (field, level, audience, pack)."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAbstractTextDocumentLayout, QKeyEvent, QPalette, QTextDocument
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from knowledge.search import Filters, SearchIndex
from knowledge.store import Store
from knowledge.text import fold_word

DEBOUNCE_MS = 120
MAX_RESULTS = 50
RELATIVE_CUTOFF = 0.3
_WORD = re.compile(r"\w+|\W+")
ANY = "— Tất cả —"


def highlight_html(name: str, matched: list[str]) -> str:
    """The name as HTML (escaped) with the syllables the query matched in bold."""
    syllables = {part for term in matched for part in term.split("_")}
    out = []
    for piece in _WORD.findall(name):
        text = html.escape(piece)
        out.append(f"<b style='color:#0b5394'>{text}</b>" if fold_word(piece) in syllables else text)
    return "".join(out)


class _HtmlDelegate(QStyledItemDelegate):
    """Draws a cell's HTML (stored in UserRole) so matched words can be bold."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        doc = QTextDocument()
        doc.setDefaultFont(opt.font)
        doc.setHtml(index.data(Qt.ItemDataRole.UserRole) or html.escape(opt.text))
        doc.setTextWidth(opt.rect.width())
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.translate(opt.rect.topLeft())
        painter.setClipRect(QRectF(0, 0, opt.rect.width(), opt.rect.height()))
        ctx = QAbstractTextDocumentLayout.PaintContext()
        if opt.state & QStyle.StateFlag.State_Selected:
            ctx.palette.setColor(QPalette.ColorRole.Text,
                                 opt.palette.color(QPalette.ColorRole.HighlightedText))
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(index.data(Qt.ItemDataRole.UserRole) or "")
        doc.setTextWidth(max(option.rect.width(), 300))
        return QSize(int(doc.idealWidth()), int(doc.size().height()))


class SearchPane(QWidget):
    """Type to search (debounced); empty box: the most used procedures, filtered."""

    opened = Signal(str)  # a procedure code
    results_shown = Signal(int)

    def __init__(self, store: Store, index: SearchIndex, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.index = index
        self.box = QLineEdit(placeholderText="Tìm thủ tục: tên, mã, từ thường dùng, "
                                             "gõ có dấu hay không dấu đều được (Ctrl+F)")
        self.box.setClearButtonEnabled(True)
        self.box.setObjectName("searchBox")
        self.filters: dict[str, QComboBox] = {}
        row = QHBoxLayout()
        for key, label in (("field", "Lĩnh vực"), ("level", "Cấp"), ("audience", "Đối tượng"),
                           ("pack", "Gói")):
            combo = QComboBox()
            combo.setObjectName(f"filter_{key}")
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8 if key != "field" else 18)
            combo.currentIndexChanged.connect(self.on_filter_changed)
            self.filters[key] = combo
            row.addWidget(QLabel(label + ":"))
            row.addWidget(combo, 2 if key == "field" else 1)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Mã", "Tên thủ tục", "Lĩnh vực"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setItemDelegateForColumn(1, _HtmlDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 150)
        self.table.activated.connect(self.on_activated)
        self.status = QLabel()
        self.status.setObjectName("resultStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addWidget(self.box)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.timer.timeout.connect(self.refresh)
        self.box.textChanged.connect(self.on_text_changed)
        self.box.returnPressed.connect(self.on_return)
        self.box.installEventFilter(self)
        self.fill_filters()
        self.refresh()

    # ---------------------------------------------------------------------------- filters
    def fill_filters(self) -> None:
        facets = self.store.facets()
        for key, combo in self.filters.items():
            current = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(ANY)
            combo.addItems(facets[key])
            i = combo.findText(current)
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)

    def current_filters(self) -> Filters:
        def value(key: str) -> str | None:
            text = self.filters[key].currentText()
            return None if text in ("", ANY) else text
        return Filters(field=value("field"), level=value("level"), audience=value("audience"),
                       pack_id=value("pack"))

    def set_index(self, index: SearchIndex) -> None:
        """Swap in a new index (after an install or sync): searches keep working until now."""
        self.index = index
        self.fill_filters()
        self.refresh()

    # ---------------------------------------------------------------------------- search
    @Slot(str)
    def on_text_changed(self, _text: str) -> None:
        self.timer.start()

    @Slot(int)
    def on_filter_changed(self, _i: int) -> None:
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        self.timer.stop()
        query = self.box.text().strip()
        f = self.current_filters()
        if query:
            hits = self.index.search(query, k=MAX_RESULTS, filters=f)
            # A word the index does not know is probably mistyped: if its closest spelling
            # matches better, show those results and say so.
            suggestion = self.index.suggest(query)
            if suggestion:
                alt = self.index.search(suggestion, k=MAX_RESULTS, filters=f)
                if alt and (not hits or alt[0].score > hits[0].score):
                    hits = alt
                else:
                    suggestion = None
            # Keep the list short enough to read: drop matches far weaker than the best.
            hits = [h for h in hits if h.score >= RELATIVE_CUTOFF * hits[0].score]
            rows = [(h.code, highlight_html(h.name, h.matched), h.name,
                     self.index.field_names[self.index.doc_of_code[h.code]] or "") for h in hits]
            if suggestion and rows:
                self.status.setText(f"Có phải bạn muốn tìm: “{suggestion}”? "
                                    f"Đang hiện kết quả cho “{suggestion}”.")
            elif rows:
                self.status.setText(f"{len(rows)} kết quả cho “{query}”.")
            else:
                self.status.setText(f"Không tìm thấy thủ tục phù hợp với “{query}”. Thử từ khác, "
                                    "bỏ bớt từ, hoặc gõ mã thủ tục.")
        else:
            rows = [(s.code, html.escape(s.name), s.name, s.field or "") for s in self.store.browse(
                field=f.field, level=f.level, audience=f.audience, pack_id=f.pack_id,
                limit=MAX_RESULTS)]
            self.status.setText("Các thủ tục được dùng nhiều nhất. Gõ để tìm.")
        self.table.setRowCount(len(rows))
        for r, (code, name_html, name, field) in enumerate(rows):
            code_item = QTableWidgetItem(code)
            name_item = QTableWidgetItem(name)
            name_item.setData(Qt.ItemDataRole.UserRole, name_html)
            name_item.setToolTip(name)
            self.table.setItem(r, 0, code_item)
            self.table.setItem(r, 1, name_item)
            self.table.setItem(r, 2, QTableWidgetItem(field))
        self.table.resizeRowsToContents()
        if rows:
            self.table.selectRow(0)
        self.results_shown.emit(len(rows))

    def selected_code(self) -> str | None:
        row = self.table.currentRow()
        item = self.table.item(row, 0) if row >= 0 else None
        return item.text() if item else None

    @Slot()
    def on_return(self) -> None:
        if self.timer.isActive():
            self.refresh()
        code = self.selected_code()
        if code:
            self.opened.emit(code)

    @Slot(QModelIndex)
    def on_activated(self, index: QModelIndex) -> None:
        code = self.table.item(index.row(), 0).text()
        self.opened.emit(code)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        """Up/Down in the search box move through the results: type, arrow, Enter."""
        if obj is self.box and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                if self.timer.isActive():
                    self.refresh()
                row = self.table.currentRow() + (1 if event.key() == Qt.Key.Key_Down else -1)
                if 0 <= row < self.table.rowCount():
                    self.table.selectRow(row)
                return True
        return super().eventFilter(obj, event)
