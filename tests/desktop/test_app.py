"""The app's shell: --version, --smoke-test, error boxes and hooks, the first start."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import REPO


def run_app(*args: str, home=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("QT_QPA_PLATFORM", None)  # --smoke-test must set offscreen itself
    return subprocess.run([sys.executable, "-m", "desktop", *args], env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_version():
    from knowledge import __version__

    out = run_app("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"motcua {__version__}"


def test_smoke_test_prints_one_line_and_exits_0():
    out = run_app("--smoke-test")
    assert out.returncode == 0, out.stdout + out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("smoke-test ok: 'dang ky thuong tru' -> 1.004222")


def test_show_error_is_non_modal_and_copies_details(qtbot):
    from desktop.errors import show_error
    from knowledge.errors import MotcuaError

    box = show_error(None, MotcuaError("Không đọc được gói tri thức.", "bad zip at offset 12"))
    qtbot.add_widget(box)
    assert box.isVisible() and not box.isModal()
    assert box.text() == "Không đọc được gói tri thức."
    copy = next(b for b in box.buttons() if b.text() == "Sao chép chi tiết")
    copy.click()
    assert QApplication.clipboard().text() == ("Không đọc được gói tri thức.\n\n"
                                               "bad zip at offset 12")
    assert box.isVisible()  # copying does not dismiss the message
    box.close()


def test_an_error_in_a_worker_thread_reaches_the_clerk(qtbot, monkeypatch, caplog):
    from desktop.app import install_excepthooks
    from desktop.errors import GENERIC_VI

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install_excepthooks()

    def boom():
        raise RuntimeError("worker exploded")

    t = threading.Thread(target=boom)
    with caplog.at_level("CRITICAL", logger="motcua"):
        t.start()
        t.join()

        def shown():
            return [w for w in QApplication.topLevelWidgets()
                    if isinstance(w, QMessageBox) and w.isVisible()]
        qtbot.waitUntil(lambda: bool(shown()))
    box = shown()[0]
    assert box.text() == GENERIC_VI and "worker exploded" in box.property("detail")
    assert any("uncaught in thread" in r.message for r in caplog.records)
    box.close()


def test_first_start_installs_the_demo_pack_in_the_background(qtbot, motcua_home):
    from desktop.app import build_window

    w = build_window(motcua_home, install_demo=False)
    qtbot.add_widget(w)
    assert w.search.row_count() == 0 and w.store.packs() == []
    w.install_first_pack()
    assert w.progress.isVisible() or not w.isVisible()  # the window stays usable meanwhile
    qtbot.waitUntil(lambda: w.search.row_count() > 0, timeout=20000)
    assert w.search.code_at(0) == "1.004194"
    assert "Gói mẫu" in w.pack_label.text()
    assert w.search.index.search("dang ky thuong tru")[0].code == "1.004222"
    w.close()
    w.store.close()


def test_start_path_does_not_import_underthesea(motcua_home):
    """Queries need no segmenter (packs carry tokens): keep its 0.5 s import out of the start."""
    child = ("import sys; from PySide6.QtWidgets import QApplication; app = QApplication([]);"
             "from desktop.app import build_window; import pathlib;"
             f"w = build_window(pathlib.Path({str(motcua_home)!r}));"
             "w.search.box.setText('dang ky thuong tru'); w.search.refresh();"
             "print(w.search.code_at(0), 'underthesea' in sys.modules); w.store.close()")
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", child], env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.stdout.split() == ["1.004222", "False"], out.stderr


def test_a_damaged_store_is_reported_not_a_traceback(motcua_home, tmp_path):
    (motcua_home / "store.db").write_bytes(b"not a database at all" * 100)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-m", "desktop", "--home", str(motcua_home),
                          "--screenshot", str(tmp_path / "x.png")], env=env, capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 2
    assert out.stderr.startswith("lỗi: Không mở được kho dữ liệu") and "Traceback" not in out.stderr
    assert "cannot start" in (motcua_home / "logs" / "motcua.log").read_text(encoding="utf-8")
