"""Intakes: saved on every change, surviving a kill; dossier codes never repeat; figures."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from knowledge.errors import MotcuaError
from knowledge.intake import (Intake, abandon, export_csv, figures, last_30_days, missing_items,
                              next_dossier_code, open_intakes, receive, return_dossier,
                              save_intake, set_note, start_intake, tick, today, today_range,
                              unfinished)
from knowledge.model import DossierItem, Procedure
from tests.conftest import REPO

OWN, RENT = "Đăng ký vào chỗ ở thuộc sở hữu của mình", "Đăng ký vào chỗ ở do thuê, mượn, ở nhờ"
PROC = Procedure(code="1.004222", name="Đăng ký thường trú", processing_time="07 ngày làm việc",
                 dossier=[DossierItem("Tờ khai CT01", 1, 0, group=OWN),
                          DossierItem("Giấy tờ chỗ ở", 0, 1, group=OWN),
                          DossierItem("Hợp đồng thuê nhà", 1, 0, group=RENT),
                          DossierItem("Căn cước", 1, 0, group="Giấy tờ phải xuất trình"),
                          DossierItem("Văn bản ủy quyền", 1, 0,
                                      group="Trường hợp ủy quyền thực hiện thủ tục"),
                          DossierItem("Trường hợp đã có dữ liệu thì không phải nộp", 0, 0)])
NOW = datetime(2026, 11, 23, 8, 30)


def test_start_tick_save_reopen(motcua_home):
    with open_intakes(motcua_home) as store:
        it = start_intake(store=store, procedure=PROC, pack_id="tinh", pack_version=3, now=NOW)
        assert it.case == OWN and it.processing_time_raw == "07 ngày làm việc"
        assert [i.name for i in it.needed()] == ["Tờ khai CT01", "Giấy tờ chỗ ở", "Căn cước"]
        assert [i.name for i in it.applicable()][-2:] == ["Văn bản ủy quyền",
                                                         "Trường hợp đã có dữ liệu thì không phải nộp"]
        it.applicant_name, it.phone = "Nguyễn Thị Lan", "0912345678"
        save_intake(store=store, intake=it)
        tick(store=store, intake=it, index=0)
        set_note(store=store, intake=it, index=0, note="bản khai tay")
    with open_intakes(motcua_home) as store:
        again = store.get(it.id)
        assert again == it and again.pack_version == 3 and again.items[0].note == "bản khai tay"
        assert [i.id for i in unfinished(store=store)] == [it.id]
        assert [i.name for i in missing_items(again)] == ["Giấy tờ chỗ ở", "Căn cước"]
        again.case = RENT
        assert [i.name for i in missing_items(again)] == ["Hợp đồng thuê nhà", "Căn cước"]


def test_start_with_a_case_and_a_wrong_case():
    with open_intakes() as store:
        assert start_intake(store=store, procedure=PROC, case=RENT).case == RENT
        with pytest.raises(MotcuaError, match="không có trường hợp"):
            start_intake(store=store, procedure=PROC, case="Trường hợp khác")


def test_today_is_searchable_without_diacritics(motcua_home):
    with open_intakes(motcua_home) as store:
        a = start_intake(store=store, procedure=PROC, now=NOW)
        a.applicant_name = "Nguyễn Thị Lan"
        receive(store=store, intake=a, agency_code="000.00.53.H48", now=NOW)
        b = start_intake(store=store, procedure=Procedure(code="2.000815", name="Chứng thực bản sao"),
                         now=NOW + timedelta(minutes=5))
        b.applicant_name = "Trần Văn Đức"
        save_intake(store=store, intake=b)
        start_intake(store=store, procedure=PROC, now=NOW - timedelta(days=1))  # yesterday
        ids = lambda q: [i.id for i in today(store=store, query=q, now=NOW)]
        assert ids(None) == [b.id, a.id]
        assert ids("nguyen lan") == ids("NGUYỄN") == [a.id]
        assert ids("tran van duc") == ids("chung thuc") == ids("2.000815") == [b.id]
        assert ids("261123-0001") == [a.id]
        assert ids("dang ki thuong tru") == [a.id]  # ký/kí folded alike
        assert ids("le") == []


def test_old_saved_json_still_reads():
    old = {"id": "x", "procedure_code": "1.000001", "procedure_name": "Thử",
           "processing_time": "1", "appointment_reason": "khách hẹn", "future_key": 1,
           "items": [{"index": 0, "name": "A", "kind": "submit", "original": 1, "copy": 0,
                      "something_new": True}]}
    it = Intake.from_json(json.dumps(old))
    assert (it.processing_time_raw, it.appointment_override_reason) == ("1", "khách hẹn")
    assert it.processing_time == "1" and it.appointment_reason == "khách hẹn"  # older names
    assert it.items[0].name == "A"


def test_receive_return_abandon_and_figures(motcua_home, tmp_path):
    with open_intakes(motcua_home) as store:
        a = start_intake(store=store, procedure=PROC, now=NOW)
        for i in a.items:
            i.ticked = True
        receive(store=store, intake=a, agency_code="000.00.53.H48", now=NOW + timedelta(minutes=4))
        assert a.dossier_code == "000.00.53.H48-261123-0001" and a.status == "received"
        receive(store=store, intake=a, agency_code="000.00.53.H48", now=NOW + timedelta(minutes=5))
        assert a.dossier_code == "000.00.53.H48-261123-0001"  # a code is given once
        b = start_intake(store=store, procedure=PROC, now=NOW + timedelta(minutes=10))
        return_dossier(store=store, intake=b, reason="Thiếu tờ khai", now=NOW + timedelta(minutes=16))
        assert store.get(b.id).return_reason == "Thiếu tờ khai"
        c = start_intake(store=store, procedure=PROC, now=NOW + timedelta(minutes=20))
        abandon(store=store, intake=c, now=NOW + timedelta(minutes=21))
        f = figures(store=store, since=NOW - timedelta(days=1), until=NOW + timedelta(days=1))
        assert (f.count, f.received, f.returned, f.median_minutes, f.p90_minutes) == (2, 1, 1, 5.0, 6.0)
        assert f.most_missing == [("Tờ khai CT01", 1), ("Giấy tờ chỗ ở", 1), ("Căn cước", 1)]
        assert figures(store=store, since=NOW + timedelta(days=2), until=NOW + timedelta(days=3)).count == 0
        out = tmp_path / "figures.csv"
        assert export_csv(store=store, path=out, since=NOW - timedelta(days=1),
                          until=NOW + timedelta(days=1)) == 3
        rows = list(csv.reader(out.open(encoding="utf-8-sig")))
        assert rows[0][0] == "ma_ho_so"
        assert {r[4] for r in rows[1:]} == {"received", "returned", "abandoned"}
        assert unfinished(store=store) == []


def test_p90_is_nearest_rank(motcua_home):
    with open_intakes(motcua_home) as store:
        for minutes in range(1, 11):  # 1 … 10 minutes
            it = start_intake(store=store, procedure=PROC, now=NOW)
            return_dossier(store=store, intake=it, now=NOW + timedelta(minutes=minutes))
        f = figures(store=store, since=NOW, until=NOW + timedelta(hours=1))
        assert (f.count, f.median_minutes, f.p90_minutes) == (10, 5.5, 9.0)


def test_periods():
    assert today_range(NOW) == (datetime(2026, 11, 23), datetime(2026, 11, 24))
    since, until = last_30_days(NOW)
    assert until - since == timedelta(days=30) and since < NOW < until


def test_dossier_codes_continue_after_a_restart_and_per_day_and_agency(motcua_home):
    with open_intakes(motcua_home) as store:
        assert next_dossier_code(store=store, agency_code="A", now=NOW) == "A-261123-0001"
    with open_intakes(motcua_home) as store:
        assert next_dossier_code(store=store, agency_code="A", now=NOW) == "A-261123-0002"
        assert next_dossier_code(store=store, agency_code="B", now=NOW) == "B-261123-0001"
        assert next_dossier_code(store=store, agency_code="A",
                                 now=NOW + timedelta(days=1)) == "A-261124-0001"
        with pytest.raises(MotcuaError, match="mã cơ quan"):
            next_dossier_code(store=store, agency_code=" ", now=NOW)


def test_wal_and_full_sync(motcua_home):
    with open_intakes(motcua_home) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert "intakes" in store.db.table_names() and "_sqlite_migrations" in store.db.table_names()


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
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(codes) == len(set(codes)) == 400
    assert sorted(codes) == [f"X-261123-{n:04d}" for n in range(1, 401)]


# The child saves intakes in a loop (and receives every third one), printing each id only after
# the save returned. It is SIGKILLed after a varying number of saves, so mid-transaction.
CHILD = """
import sys
from knowledge.intake import open_intakes, receive, save_intake, start_intake
from knowledge.model import DossierItem, Procedure
p = Procedure(code="1.000001", name="Thử", dossier=[DossierItem("A", 1, 0), DossierItem("B", 0, 1)])
store = open_intakes(sys.argv[1])
print("ready", flush=True)
n = 0
while True:
    it = start_intake(store=store, procedure=p)
    it.applicant_name = f"Người {sys.argv[2]}-{n}"
    it.items[0].ticked = True
    save_intake(store=store, intake=it)
    if n % 3 == 2:
        receive(store=store, intake=it, agency_code="K")
    print(it.id, it.applicant_name, it.dossier_code or "-", flush=True)
    n += 1
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_killed_while_saving_loses_nothing_saved(motcua_home):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    saved: dict[str, tuple[str, str]] = {}
    for round_, after in enumerate((0, 1, 3, 7, 15, 40, 90)):
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(motcua_home), str(round_)],
                                 env=env, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        lines = [child.stdout.readline() for _ in range(after)]
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        for line in lines + rest.splitlines():
            parts = line.split(" ", 1)
            if len(parts) == 2:
                name, code = parts[1].rsplit(" ", 1)
                saved[parts[0]] = (name, code.strip())
    assert len(saved) >= 150
    with sqlite3.connect(motcua_home / "intakes.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with open_intakes(motcua_home) as store:
        for intake_id, (name, code) in saved.items():
            it = store.get(intake_id)
            assert it.applicant_name == name and it.items[0].ticked
            if code != "-":
                assert it.dossier_code == code and it.status == "received"
        codes = [r["dossier_code"] for r in store.db.query(
            "select dossier_code from intakes where dossier_code is not null")]
        assert len(codes) == len(set(codes))
