"""Intakes: saved on every change, surviving a kill; dossier codes never repeat; figures; slips."""

from __future__ import annotations

import csv
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta

import pytest

from knowledge.intake import (figures, export_csv, next_dossier_code, open_intakes, receive,
                              return_dossier, save_intake, start_intake, today, unfinished)
from knowledge.model import DossierItem, Procedure
from knowledge.receipt import SlipSettings, receipt_form01, request_form02, when_vi
from tests.conftest import REPO

PROC = Procedure(code="1.004222", name="Đăng ký thường trú", processing_time="07 ngày làm việc",
                 dossier=[DossierItem("Tờ khai CT01", 1, 0, group="Trường hợp A"),
                          DossierItem("Giấy tờ chỗ ở", 0, 1, group="Trường hợp A"),
                          DossierItem("Văn bản đồng ý", 1, 0, group="Trường hợp B"),
                          DossierItem("Căn cước", 1, 0, group="Giấy tờ phải xuất trình"),
                          DossierItem("Trường hợp đã có dữ liệu thì không phải nộp", 0, 0)])
NOW = datetime(2026, 11, 23, 8, 30)


def test_start_tick_save_reopen(motcua_home):
    with open_intakes(motcua_home) as store:
        it = start_intake(store=store, procedure=PROC, now=NOW)
        assert it.case == "Trường hợp A"
        assert [i.name for i in it.needed()] == ["Tờ khai CT01", "Giấy tờ chỗ ở", "Căn cước"]
        it.applicant_name, it.phone = "Nguyễn Thị Lan", "0912345678"
        it.items[0].ticked = True
        it.items[0].note = "bản khai tay"
        save_intake(store=store, intake=it)
    with open_intakes(motcua_home) as store:
        again = store.get(it.id)
        assert again == it
        assert [i.id for i in unfinished(store=store)] == [it.id]
        assert [i.name for i in again.missing()] == ["Giấy tờ chỗ ở", "Căn cước"]
        assert [i.id for i in today(store=store, query="nguyen lan", now=NOW)] == [it.id]
        assert today(store=store, query="tran", now=NOW) == []


def test_receive_gives_codes_and_figures(motcua_home, tmp_path):
    with open_intakes(motcua_home) as store:
        a = start_intake(store=store, procedure=PROC, now=NOW)
        for i in a.items:
            i.ticked = True
        receive(store=store, intake=a, agency_code="000.00.53.H48", now=NOW + timedelta(minutes=4))
        b = start_intake(store=store, procedure=PROC, now=NOW + timedelta(minutes=10))
        return_dossier(store=store, intake=b, now=NOW + timedelta(minutes=16))
        assert a.dossier_code == "000.00.53.H48-261123-0001"
        f = figures(store=store, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))
        assert (f.count, f.received, f.returned, f.median_minutes) == (2, 1, 1, 5.0)
        assert f.most_missing[0] == ("Tờ khai CT01", 1)
        out = tmp_path / "figures.csv"
        assert export_csv(store=store, path=out, since=NOW - timedelta(days=1),
                          until=NOW + timedelta(days=1)) == 2
        rows = list(csv.reader(out.open(encoding="utf-8-sig")))
        assert rows[0][0] == "ma_ho_so" and {r[4] for r in rows[1:]} == {"received", "returned"}
        assert unfinished(store=store) == []


def _allocate(home: str, n: int, out) -> None:
    with open_intakes(home) as store:
        out.put([next_dossier_code(store=store, agency_code="X", now=NOW) for _ in range(n)])


def test_dossier_codes_never_collide_across_processes(motcua_home):
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_allocate, args=(str(motcua_home), 200, q)) for _ in range(2)]
    for p in procs:
        p.start()
    codes = q.get(timeout=120) + q.get(timeout=120)
    for p in procs:
        p.join()
    assert len(codes) == len(set(codes)) == 400
    assert max(codes) == "X-261123-0400"


CHILD = """
import sys
from knowledge.intake import open_intakes, save_intake, start_intake
from knowledge.model import DossierItem, Procedure
p = Procedure(code="1.000001", name="Thử", dossier=[DossierItem("A", 1, 0), DossierItem("B", 0, 1)])
store = open_intakes(sys.argv[1])
n = 0
while True:
    it = start_intake(store=store, procedure=p)
    it.applicant_name = f"Người {n}"
    it.items[0].ticked = True
    save_intake(store=store, intake=it)
    print(it.id, it.applicant_name, flush=True)
    n += 1
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_while_saving_loses_nothing_saved(motcua_home):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    saved = {}
    for delay in (0.3, 0.5, 0.8, 1.1, 1.5):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(motcua_home)], env=env,
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        for line in out.splitlines():
            if line.count(" ") >= 2:
                intake_id, name = line.split(" ", 1)
                saved[intake_id] = name
    assert saved
    with sqlite3.connect(motcua_home / "intakes.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with open_intakes(motcua_home) as store:
        for intake_id, name in saved.items():
            it = store.get(intake_id)
            assert it.applicant_name == name and it.items[0].ticked


def test_slips_hold_the_applicant_items_and_appointment(motcua_home):
    with open_intakes(motcua_home) as store:
        it = start_intake(store=store, procedure=PROC, now=NOW)
        it.applicant_name = "Nguyễn Thị <b>Lan</b>"
        it.items[0].ticked = True
        it.appointment_at = datetime(2026, 12, 2, 17, 0).isoformat()
        receive(store=store, intake=it, agency_code="000.00.53.H48", now=NOW)
    settings = SlipSettings(unit_name="Bộ phận Một cửa xã Thử")
    s1 = receipt_form01(it, settings, NOW)
    text = s1.to_text()
    assert "Nguyễn Thị <b>Lan</b>" in text and "Tờ khai CT01" in text
    assert "17 giờ 00 phút, ngày 02 tháng 12 năm 2026" in text
    assert "000.00.53.H48-261123-0001" in text
    html = s1.to_html()
    assert "<b>Lan</b>" not in html and "&lt;b&gt;Lan&lt;/b&gt;" in html
    s2 = request_form02(it, settings, "Thiếu giấy tờ", NOW)
    assert [row[1] for row in s2.table] == ["Giấy tờ chỗ ở", "Căn cước"]
    assert s2.title == "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ"
    assert when_vi(NOW) == "08 giờ 30 phút, ngày 23 tháng 11 năm 2026"
