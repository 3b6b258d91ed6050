"""Start the counter app: logging, error hooks, the store, first-start demo pack, the window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from knowledge import __version__, paths
from knowledge.errors import MotcuaError

log = logging.getLogger("motcua")
DEMO_PACK = ("demo-pack", "demo.mcpack")


def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="motcua", description="Trợ lý bộ phận một cửa")
    ap.add_argument("--home", help="thư mục dữ liệu (mặc định: MOTCUA_HOME hoặc thư mục người dùng)")
    ap.add_argument("--version", action="store_true", help="in phiên bản rồi thoát")
    ap.add_argument("--smoke-test", action="store_true",
                    help="tự kiểm tra không giao diện: cài gói mẫu, tìm, vẽ cửa sổ, rồi thoát")
    ap.add_argument("--screenshot", metavar="PNG", help="vẽ cửa sổ chính ra tệp PNG rồi thoát")
    ap.add_argument("--query", default="", help="câu tìm kiếm ban đầu (cho --screenshot)")
    ap.add_argument("--intake", action="store_true",
                    help="mở phiếu tiếp nhận cho kết quả đầu tiên (cho --screenshot)")
    return ap.parse_args(argv)


def install_excepthooks() -> None:
    """Log every uncaught error (UI thread or worker) and tell the clerk in Vietnamese.

    Call once the QApplication exists: the message is shown by a QObject living on the UI
    thread, so an error raised in a worker thread reaches the clerk through a queued signal."""
    from PySide6.QtCore import QObject, Signal, Slot
    from PySide6.QtWidgets import QApplication

    class ErrorRelay(QObject):
        raised = Signal(object)

        @Slot(object)
        def on_raised(self, exc: BaseException) -> None:
            from desktop.errors import show_error

            show_error(QApplication.activeWindow(), exc)

    relay = ErrorRelay(QApplication.instance())
    relay.raised.connect(relay.on_raised)

    def hook(exc_type, exc, tb) -> None:
        log.critical("uncaught", exc_info=(exc_type, exc, tb))
        if issubclass(exc_type, KeyboardInterrupt):
            return
        relay.raised.emit(exc)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        log.critical("uncaught in thread %s", args.thread,
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        if args.exc_value is not None:
            relay.raised.emit(args.exc_value)

    sys.excepthook = hook
    threading.excepthook = thread_hook


def route_qt_messages() -> None:
    """Qt's own messages go to the log, not to a console the clerk never sees.

    The offscreen platform (smoke test, screenshots) says "This plugin does not support
    propagateSizeHints()" for every window: harmless, logged at DEBUG only."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}
    qt_log = logging.getLogger("qt")

    def handler(kind, _context, message: str) -> None:
        level = levels.get(kind, logging.WARNING)
        if "propagateSizeHints" in message:
            level = logging.DEBUG
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


def ensure_demo_pack(store, settings) -> None:
    """First start with nothing installed: install the bundled demo pack (32 procedures)."""
    from knowledge.settings import trusted_keys
    from knowledge.store import install_pack

    if not store.packs():
        result = install_pack(store=store, pack_path=paths.resource(*DEMO_PACK),
                              trusted=trusted_keys(settings))
        log.info("first start: %s", result.summary_vi())


def build_window(home: Path, *, install_demo: bool = True):
    """Open the store and make the main window.

    With ``install_demo`` (tests, smoke test, bench) a first start installs the demo pack before
    the window exists; the app itself passes False and the window installs it in the background.
    """
    from desktop.main_window import MainWindow
    from knowledge.settings import load_settings
    from knowledge.store import open_store

    settings = load_settings(home)
    store = open_store(home)
    if install_demo:
        ensure_demo_pack(store, settings)
    return MainWindow(store, store.load_index(), home, settings)


def run(argv: list[str]) -> int:
    t_start = time.perf_counter()
    args = parse_args(argv)
    if args.version:
        print(f"motcua {__version__}")
        return 0
    if args.smoke_test:
        return smoke_test()
    home = paths.home(args.home)
    paths.start_log(home, "motcua.log")
    if args.screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.resources import install_font_and_style

    route_qt_messages()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("motcua")
    install_font_and_style(app)
    install_excepthooks()
    try:
        window = build_window(home, install_demo=bool(args.screenshot))
    except MotcuaError as e:  # e.g. a damaged store: say so and where, instead of a traceback
        log.critical("cannot start: %s | %s", e.message_vi, e.detail_en)
        if args.screenshot:
            print(f"lỗi: {e.message_vi}", file=sys.stderr)
            return 2
        from PySide6.QtWidgets import QMessageBox

        box = QMessageBox(QMessageBox.Icon.Critical, "motcua",
                          f"{e.message_vi}\n\nThư mục dữ liệu: {home}")
        box.addButton("Đóng", QMessageBox.ButtonRole.AcceptRole)
        box.exec()  # nothing else is on screen yet: the one modal box of the app
        return 2
    window.resize(1366, 768)
    if args.screenshot:
        if args.query:
            window.search.box.setText(args.query)
            window.search.refresh()
            window.search.on_return()
            if args.intake:
                window.on_start_intake()
                window.checklist.name.setText("Nguyễn Thị Lan")
                window.checklist.on_applicant_edited("")
        window.show()
        app.processEvents()
        window.grab().save(args.screenshot)
        print(f"screenshot {args.screenshot}")
        return 0
    window.show()
    log.info("window shown %.2fs after start", time.perf_counter() - t_start)
    window.install_first_pack()  # first start: the demo pack, in the background, with progress
    if window.settings.share_path:
        QTimer.singleShot(3000, window.on_sync_now)
        timer = QTimer(window, interval=max(1, window.settings.interval_minutes) * 60_000)
        timer.timeout.connect(window.on_sync_now)
        timer.start()
    return app.exec()


def smoke_test() -> int:
    """Headless self-check for a frozen bundle: one line out, exit 0 or non-zero with a reason."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    t0 = time.perf_counter()
    try:
        from PySide6.QtWidgets import QApplication

        from desktop.resources import install_font_and_style

        route_qt_messages()
        with tempfile.TemporaryDirectory(prefix="motcua-smoke-") as tmp:
            app = QApplication.instance() or QApplication(sys.argv[:1])
            install_font_and_style(app)
            window = build_window(Path(tmp))
            window.resize(1366, 768)
            window.search.box.setText("dang ky thuong tru")
            window.search.refresh()
            code = window.search.selected_code()
            window.show()
            app.processEvents()
            pixmap = window.grab()
            window.store.close()
            window.close()
            if code != "1.004222" or pixmap.isNull():
                print(f"smoke-test FAILED: first hit {code!r}, pixmap null={pixmap.isNull()}")
                return 1
        print(f"smoke-test ok: 'dang ky thuong tru' -> {code}, window {pixmap.width()}x"
              f"{pixmap.height()}, {time.perf_counter() - t0:.2f}s")
        return 0
    except Exception as e:  # noqa: BLE001 - the reason is the output
        print(f"smoke-test FAILED: {type(e).__name__}: {e}")
        return 1
