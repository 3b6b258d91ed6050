"""Intake sessions: the dossier checklist at the counter, saved on every change, never lost.

They live in their own SQLite file (``intakes.db``) so a long pack install never blocks a save.
WAL with ``synchronous=FULL``: when ``save_intake`` returns, the intake survives a crash or a
kill. Each received dossier gets a code ``<agency>-<yymmdd>-<NNNN>`` whose daily sequence is
allocated inside an immediate transaction, so it never repeats, across restarts and processes.
"""

from __future__ import annotations

import csv
import json
import sqlite3
import statistics
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from knowledge import paths
from knowledge.checklist import checklist_for
from knowledge.errors import NotFound, StoreCorrupt
from knowledge.model import Procedure
from knowledge.text import fold

migrations = Migrations("motcua-intakes")


@migrations()
def m001_intakes(db: Database) -> None:
    db["intakes"].create({
        "id": str, "procedure_code": str, "procedure_name": str, "pack_id": str,
        "status": str, "opened_at": str, "closed_at": str, "updated_at": str,
        "dossier_code": str, "applicant_name": str, "search": str, "data": str,
    }, pk="id")
    db["intakes"].create_index(["opened_at"])
    db["intakes"].create_index(["status"])
    db["dossier_sequence"].create({"agency_code": str, "day": str, "last": int},
                                  pk=("agency_code", "day"))


@dataclass
class IntakeItem:
    index: int
    name: str
    kind: str
    original: int
    copy: int
    case: str | None = None
    ticked: bool = False
    note: str = ""


@dataclass
class Intake:
    id: str
    procedure_code: str
    procedure_name: str
    pack_id: str | None = None
    case: str | None = None
    applicant_name: str = ""
    phone: str = ""
    address: str = ""
    email: str = ""
    items: list[IntakeItem] = field(default_factory=list)
    status: str = "open"  # open | received | returned | abandoned
    opened_at: str = ""
    closed_at: str | None = None
    dossier_code: str | None = None
    processing_time: str | None = None
    appointment_at: str | None = None
    appointment_reason: str = ""

    def applicable(self) -> list[IntakeItem]:
        return [i for i in self.items if i.case is None or i.case == self.case]

    def needed(self) -> list[IntakeItem]:
        return [i for i in self.applicable() if i.kind != "note"]

    def missing(self) -> list[IntakeItem]:
        return [i for i in self.needed() if not i.ticked]

    @property
    def complete(self) -> bool:
        return not self.missing()

    def minutes(self) -> float | None:
        if not self.closed_at:
            return None
        delta = datetime.fromisoformat(self.closed_at) - datetime.fromisoformat(self.opened_at)
        return delta.total_seconds() / 60

    @classmethod
    def from_json(cls, data: str) -> "Intake":
        d = json.loads(data)
        d["items"] = [IntakeItem(**i) for i in d.get("items", [])]
        return cls(**d)


class IntakeStore:
    """The intakes database. One per thread."""

    def __init__(self, path: Path) -> None:
        try:
            self.db = Database(sqlite3.connect(str(path), timeout=30))
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            migrations.apply(self.db)
        except sqlite3.DatabaseError as e:
            raise StoreCorrupt("Không mở được sổ hồ sơ đã tiếp nhận; hãy báo cho quản trị.",
                               f"cannot open intakes {path}: {e}") from e

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "IntakeStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, intake_id: str) -> Intake:
        rows = list(self.db.query("select data from intakes where id = ?", [intake_id]))
        if not rows:
            raise NotFound("Không tìm thấy hồ sơ này.", f"intake {intake_id} not found")
        return Intake.from_json(rows[0]["data"])

    def _where(self, sql: str, args: list) -> list[Intake]:
        return [Intake.from_json(r["data"]) for r in self.db.query(
            f"select data from intakes where {sql} order by opened_at desc", args)]


def open_intakes(home: Path | str | None = None) -> IntakeStore:
    return IntakeStore(paths.intakes_path(paths.home(home)))


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now()).replace(microsecond=0)


def start_intake(*, store: IntakeStore, procedure: Procedure, pack_id: str | None = None,
                 case: str | None = None, now: datetime | None = None) -> Intake:
    """Open an intake for a procedure, with its checklist, and save it."""
    checklist = checklist_for(procedure)
    intake = Intake(
        id=uuid.uuid4().hex, procedure_code=procedure.code, procedure_name=procedure.name,
        pack_id=pack_id, case=case if case in checklist.cases else (checklist.cases[0]
                                                                     if checklist.cases else None),
        items=[IntakeItem(i.index, i.name, i.kind, i.original, i.copy, i.case)
               for i in checklist.items],
        opened_at=_now(now).isoformat(), processing_time=procedure.processing_time)
    save_intake(store=store, intake=intake)
    return intake


def save_intake(*, store: IntakeStore, intake: Intake, now: datetime | None = None) -> None:
    """Save the whole intake in one transaction; durable when this returns."""
    search = fold(" ".join([intake.applicant_name, intake.phone, intake.procedure_code,
                            intake.procedure_name, intake.dossier_code or ""])).lower()
    with store.db.atomic():
        store.db["intakes"].upsert({
            "id": intake.id, "procedure_code": intake.procedure_code,
            "procedure_name": intake.procedure_name, "pack_id": intake.pack_id,
            "status": intake.status, "opened_at": intake.opened_at, "closed_at": intake.closed_at,
            "updated_at": _now(now).isoformat(), "dossier_code": intake.dossier_code,
            "applicant_name": intake.applicant_name, "search": search,
            "data": json.dumps(asdict(intake), ensure_ascii=False),
        }, pk="id")


def unfinished(*, store: IntakeStore) -> list[Intake]:
    """Intakes left open (e.g. by a crash): offered for resuming at start."""
    return store._where("status = 'open'", [])


def today(*, store: IntakeStore, query: str = "", now: datetime | None = None) -> list[Intake]:
    """Today's intakes, newest first, filtered by applicant, code, dossier code or procedure."""
    start = _now(now).replace(hour=0, minute=0, second=0).isoformat()
    found = store._where("opened_at >= ?", [start])
    words = fold(query).lower().split()
    return [i for i in found if all(w in _search_text(i) for w in words)]


def _search_text(i: Intake) -> str:
    return fold(" ".join([i.applicant_name, i.phone, i.procedure_code, i.procedure_name,
                          i.dossier_code or ""])).lower()


def next_dossier_code(*, store: IntakeStore, agency_code: str, now: datetime | None = None) -> str:
    """``<agency>-<yymmdd>-<NNNN>``: the day's next number, never reused (immediate transaction)."""
    day = _now(now).strftime("%y%m%d")
    conn = store.db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("select last from dossier_sequence where agency_code = ? and day = ?",
                           [agency_code, day]).fetchone()
        n = (row[0] if row else 0) + 1
        conn.execute("insert or replace into dossier_sequence (agency_code, day, last)"
                     " values (?, ?, ?)", [agency_code, day, n])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return f"{agency_code}-{day}-{n:04d}"


def receive(*, store: IntakeStore, intake: Intake, agency_code: str,
            now: datetime | None = None) -> Intake:
    """Receive the dossier (Mẫu 01): give it a dossier code and close the intake."""
    if not intake.dossier_code:
        intake.dossier_code = next_dossier_code(store=store, agency_code=agency_code, now=now)
    intake.status = "received"
    intake.closed_at = _now(now).isoformat()
    save_intake(store=store, intake=intake, now=now)
    return intake


def return_dossier(*, store: IntakeStore, intake: Intake, now: datetime | None = None) -> Intake:
    """The dossier goes back with a request for what is missing (Mẫu 02)."""
    intake.status = "returned"
    intake.closed_at = _now(now).isoformat()
    save_intake(store=store, intake=intake, now=now)
    return intake


@dataclass
class Figures:
    count: int
    received: int
    returned: int
    median_minutes: float | None
    p90_minutes: float | None
    most_missing: list[tuple[str, int]]


def figures(*, store: IntakeStore, since: datetime, until: datetime) -> Figures:
    """The counter's figures over a period: how long an intake takes, what is most often missing."""
    done = [i for i in store._where("opened_at >= ? and opened_at < ? and status in"
                                    " ('received', 'returned')",
                                    [since.isoformat(), until.isoformat()])]
    minutes = sorted(m for m in (i.minutes() for i in done) if m is not None)
    missing = Counter(item.name for i in done if i.status == "returned" for item in i.missing())
    p90 = minutes[min(len(minutes) - 1, int(0.9 * len(minutes)))] if minutes else None
    return Figures(len(done), sum(i.status == "received" for i in done),
                   sum(i.status == "returned" for i in done),
                   statistics.median(minutes) if minutes else None, p90, missing.most_common(10))


def export_csv(*, store: IntakeStore, path: Path, since: datetime, until: datetime) -> int:
    """Write the period's closed intakes as CSV (UTF-8 with BOM, for Excel); return the count."""
    rows = store._where("opened_at >= ? and opened_at < ?", [since.isoformat(), until.isoformat()])
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["ma_ho_so", "ma_thu_tuc", "thu_tuc", "nguoi_nop", "trang_thai", "mo_luc",
                    "dong_luc", "so_phut", "giay_to_thieu"])
        for i in rows:
            m = i.minutes()
            w.writerow([i.dossier_code or "", i.procedure_code, i.procedure_name, i.applicant_name,
                        i.status, i.opened_at, i.closed_at or "",
                        f"{m:.1f}" if m is not None else "",
                        "; ".join(x.name for x in i.missing())])
    return len(rows)


def last_30_days(now: datetime | None = None) -> tuple[datetime, datetime]:
    end = _now(now) + timedelta(seconds=1)
    return end - timedelta(days=30), end
