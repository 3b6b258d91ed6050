"""The app syncs from the share in the background and swaps the search index when done."""

from __future__ import annotations

from pathlib import Path

from knowledge.sync import publish
from tests.conftest import record


def test_sync_now_installs_and_swaps_the_index(window, qtbot, make_pack, trusted, signing_key,
                                               tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    publish(pack_path=make_pack([record("1.009998", "Cấp giấy phép nuôi chim yến")],
                                pack_id="tinh"), share=share, trusted=trusted)
    window.settings.share_path = str(share)
    window.settings.trusted_key_files = [Path(f"{signing_key}.pub")]
    old_index = window.search.index
    window.on_sync_now()
    # The UI is not blocked: searching works on the old index while the sync runs.
    assert window.search.index.search("dang ky thuong tru")[0].code == "1.004222"
    qtbot.waitUntil(lambda: window.search.index is not old_index, timeout=15000)
    assert "Đã cài gói tinh phiên bản 1: 1 thủ tục mới." in window.statusBar().currentMessage() \
        or "1.009998" in window.search.index.doc_of_code
    assert window.search.index.search("nuoi chim yen")[0].code == "1.009998"
    assert "tinh" in window.pack_label.text() or "Gói tinh" in window.pack_label.text()


def test_unreachable_share_is_reported_not_blocking(window, qtbot, tmp_path):
    window.settings.share_path = str(tmp_path / "missing")
    window.on_sync_now()
    qtbot.waitUntil(lambda: "Không đọc được danh mục gói" in window.statusBar().currentMessage(),
                    timeout=15000)


def test_job_callbacks_run_on_the_ui_thread(window, qtbot):
    import threading

    from desktop.tasks import run_job

    seen = {}

    def work(progress, cancel):
        from knowledge.progress import Progress
        progress(Progress(1, 2, "x"))
        return threading.current_thread() is threading.main_thread()

    run_job(work, parent=window, label="t",
            on_done=lambda on_main: seen.update(worker_on_main=on_main,
                                                done_on_main=threading.current_thread()
                                                is threading.main_thread()),
            on_progress=lambda p: seen.update(progress_on_main=threading.current_thread()
                                              is threading.main_thread()))
    qtbot.waitUntil(lambda: "done_on_main" in seen)
    assert seen == {"worker_on_main": False, "done_on_main": True, "progress_on_main": True}
