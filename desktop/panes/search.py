"""The search box with results as you type (debounced, matched words in bold) over the lookup."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QPalette,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QHeaderView,
    QLabel,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.panes.lookup import ANY, LookupPane  # noqa: F401 - ANY re-exported for callers
from knowledge.search import SearchIndex
from knowledge.store import Store
from knowledge.text import fold_word

DEBOUNCE_MS = 120
MAX_RESULTS = 50
RELATIVE_CUTOFF = 0.3
_WORD = re.compile(r"\w+|\W+")
HTML_ROLE = Qt.ItemDataRole.UserRole
ALIAS_ROLE = Qt.ItemDataRole.UserRole + 1
MATCH_COLOUR = "#0b5394"
ALIAS_COLOUR = "#555555"
ALIAS_LABEL = "Người dân hay nói: “{}”"
_ROOT = QModelIndex()  # the table's (invalid) root index, Qt's default parent
_ROLES = {Qt.ItemDataRole.DisplayRole, HTML_ROLE, ALIAS_ROLE, Qt.ItemDataRole.ToolTipRole}


def highlight_html(name: str, matched: list[str] | tuple[str, ...], alias: str = "") -> str:
    """The name as HTML (escaped) with the syllables the query matched in bold; below it, the
    alias that matched words the name lacks (why it came up), bold the same way."""
    syllables = {part for term in matched for part in term.split("_")}

    def bold(plain: str) -> str:
        out = []
        for piece in _WORD.findall(plain):
            text = html.escape(piece)
            out.append(f"<b>{text}</b>" if fold_word(piece) in syllables else text)
        return "".join(out)

    shown = bold(name)
    if alias:
        shown += f'<br><span class="alias">{ALIAS_LABEL.format(bold(alias))}</span>'
    return shown


@dataclass(frozen=True)
class ResultRow:
    code: str
    name: str
    field: str
    matched: tuple[str, ...] = ()
    alias: str = ""


class ResultsModel(QAbstractTableModel):
    """The rows on screen. Refilled with one reset per keystroke; the bold HTML of a name is
    made only when its row is painted (a QTableWidget refill cost ~25 ms on 50 rows)."""

    HEADERS = ("Mã", "Tên thủ tục", "Lĩnh vực")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[ResultRow] = []
        self._html: dict[int, str] = {}

    def set_rows(self, rows: list[ResultRow]) -> None:
        self.beginResetModel()
        self.rows, self._html = rows, {}
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else 3

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in _ROLES or not index.isValid():  # Qt asks for a dozen roles per cell
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.code, row.name, row.field)[col]
        if role == HTML_ROLE and col == 1:
            if index.row() not in self._html:
                self._html[index.row()] = highlight_html(row.name, row.matched, row.alias)
            return self._html[index.row()]
        if role == ALIAS_ROLE and col == 1:
            return row.alias
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return row.name + ("\n" + ALIAS_LABEL.format(row.alias) if row.alias else "")
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


class _HtmlDelegate(QStyledItemDelegate):
    """Draws a name's HTML so matched words are bold. Pack text is escaped before it gets here.

    Row heights come from font metrics (bold, an upper bound), not from a QTextDocument per row:
    measuring 50 rows that way took most of a keystroke's time."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        doc = QTextDocument()
        doc.setDocumentMargin(2)
        doc.setDefaultFont(opt.font)
        # Matched words: dark blue, or the selection's own text colour on a selected row.
        on_selection = opt.palette.color(QPalette.ColorRole.HighlightedText).name()
        doc.setDefaultStyleSheet("b { color: %s; } .alias { color: %s; }" % (
            (on_selection, on_selection) if selected else (MATCH_COLOUR, ALIAS_COLOUR)))
        doc.setHtml(index.data(HTML_ROLE) or html.escape(opt.text))
        doc.setTextWidth(opt.rect.width())
        opt.text = ""
        style = opt.widget.style() if opt.widget else None
        if style:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        # Centred like the plain cells beside it (code, field), not stuck to the top.
        dy = max((opt.rect.height() - doc.size().height()) / 2, 0)
        painter.translate(opt.rect.left(), opt.rect.top() + dy)
        painter.setClipRect(QRectF(0, -dy, opt.rect.width(), opt.rect.height()))
        ctx = QAbstractTextDocumentLayout.PaintContext()
        if selected:
            ctx.palette.setColor(QPalette.ColorRole.Text,
                                 opt.palette.color(QPalette.ColorRole.HighlightedText))
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        font = QFont(option.font)
        font.setBold(True)
        width = max(option.rect.width(), 200) - 8
        shown = index.data(Qt.ItemDataRole.DisplayRole) or ""
        if alias := index.data(ALIAS_ROLE):
            shown += "\n" + ALIAS_LABEL.format(alias)
        rect = QFontMetrics(font).boundingRect(QRect(0, 0, width, 10_000),
                                               Qt.TextFlag.TextWordWrap, shown)
        return QSize(width, rect.height() + 8)


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
        self.lookup = LookupPane(store)
        self.lookup.changed.connect(self.on_filters_changed)
        self.filters = self.lookup.combos
        self.model = ResultsModel(self)
        self.table = QTableView()
        self.table.setObjectName("results")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the list for the next pane
        self.table.setItemDelegateForColumn(1, _HtmlDelegate(self.table))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, 96)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(2, 170)
        header.sectionResized.connect(self.on_section_resized)
        self.table.activated.connect(self.on_activated)
        self.status = QLabel()
        self.status.setObjectName("resultStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # the query is the clerk's text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.lookup)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.box, self.table)
        self.timer = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self.timer.timeout.connect(self.refresh)
        self.box.textChanged.connect(self.on_text_changed)
        self.box.returnPressed.connect(self.on_return)
        self.box.installEventFilter(self)
        self._shown: tuple | None = None
        self.refresh()

    # ---------------------------------------------------------------------------- filters
    def fill_filters(self) -> None:
        self.lookup.refresh()

    def set_index(self, index: SearchIndex) -> None:
        """Swap in a new index (after an install or sync): searches keep working until now."""
        self.index = index
        self.lookup.refresh()
        self._shown = None
        self.refresh()

    @Slot()
    def on_filters_changed(self) -> None:
        self.refresh()

    # ---------------------------------------------------------------------------- search
    @Slot(str)
    def on_text_changed(self, _text: str) -> None:
        self.timer.start()

    @Slot(int, int, int)
    def on_section_resized(self, section: int, _old: int, _new: int) -> None:
        if section != 0:
            self.table.resizeRowsToContents()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.table.resizeRowsToContents()  # wrapped names need taller rows when narrower

    @Slot()
    def refresh(self) -> None:
        self.timer.stop()
        query = self.box.text().strip()
        f = self.lookup.filters()
        key = (query, f, id(self.index))
        if key == self._shown:  # a trailing space or a re-typed letter: nothing to redo
            return
        self._shown = key
        if query:
            hits = self.index.search(query, k=MAX_RESULTS, filters=f)
            # The search reads a word it does not know as the closest one it knows: say so.
            suggestion = self.index.suggest(query) if hits else None
            # Keep the list short enough to read: drop matches far weaker than the best.
            hits = [h for h in hits if h.score >= RELATIVE_CUTOFF * hits[0].score]
            fields = self.index.field_names
            rows = [ResultRow(h.code, h.name, fields[self.index.doc_of_code[h.code]] or "",
                              tuple(h.matched), h.alias or "") for h in hits]
            if suggestion and rows:
                self.status.setText(f"Có phải bạn muốn tìm: “{suggestion}”? "
                                    f"Đang hiện kết quả cho “{suggestion}”.")
            elif rows:
                self.status.setText(f"{len(rows)} kết quả cho “{query}”. "
                                    "↑↓ chọn, Enter mở, Ctrl+N tiếp nhận.")
            else:
                self.status.setText(f"Không tìm thấy thủ tục phù hợp với “{query}”. Thử từ khác, "
                                    "bỏ bớt từ, hoặc gõ mã thủ tục.")
        else:
            rows = [ResultRow(s.code, s.name, s.field or "") for s in self.store.browse(
                field=f.field, level=f.level, audience=f.audience, pack_id=f.pack_id,
                limit=MAX_RESULTS)]
            self.status.setText("Các thủ tục được dùng nhiều nhất. Gõ để tìm."
                                if rows else "Chưa có thủ tục nào (gói tri thức chưa cài xong).")
        self.model.set_rows(rows)
        self.table.resizeRowsToContents()
        if rows:
            self.table.selectRow(0)
        self.results_shown.emit(len(rows))

    def row_count(self) -> int:
        return self.model.rowCount()

    def code_at(self, row: int) -> str | None:
        return self.model.rows[row].code if 0 <= row < len(self.model.rows) else None

    def selected_code(self) -> str | None:
        return self.code_at(self.table.currentIndex().row())

    @Slot()
    def on_return(self) -> None:
        if self.timer.isActive():
            self.refresh()
        code = self.selected_code()
        if code:
            self.opened.emit(code)

    @Slot(QModelIndex)
    def on_activated(self, index: QModelIndex) -> None:
        code = self.code_at(index.row())
        if code:
            self.opened.emit(code)

    def eventFilter(self, obj, event) -> bool:
        """Up/Down in the search box move through the results: type, arrow, Enter; Esc clears."""
        if (obj is self.box and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Escape and self.box.text()):
            self.box.clear()
            self.refresh()
            return True
        if (obj is self.box and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown,
                                    Qt.Key.Key_PageUp)):
            if self.timer.isActive():
                self.refresh()
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 10,
                    Qt.Key.Key_PageUp: -10}[Qt.Key(event.key())]
            n = self.model.rowCount()
            if n:
                row = min(max(self.table.currentIndex().row() + step, 0), n - 1)
                self.table.selectRow(row)
                self.table.scrollTo(self.model.index(row, 0))
            return True
        return super().eventFilter(obj, event)
