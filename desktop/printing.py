"""Slips (``knowledge.receipt``) rendered by Qt on A4: to a PDF file or through the print dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from knowledge.receipt import Slip


class _TextOnly(QTextDocument):
    """Defence in depth: the slip's values are escaped already; this never loads a file."""

    def loadResource(self, _type: int, _name):
        return None


def _document(slip: Slip) -> QTextDocument:
    doc = _TextOnly()
    doc.setHtml(slip.to_html())
    return doc


def _a4(printer: QPrinter) -> None:
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                      QPageLayout.Orientation.Portrait,
                                      QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))


def print_to_pdf(slip: Slip, path: Path) -> Path:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _a4(printer)
    _document(slip).print_(printer)
    return path


def print_dialog(slip: Slip, parent: QWidget) -> QPrintDialog:
    """Open the print dialog (non-blocking); prints when the clerk accepts."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _a4(printer)
    dlg = QPrintDialog(printer, parent)
    dlg.accepted.connect(lambda: _document(slip).print_(printer))
    dlg.open()
    return dlg
