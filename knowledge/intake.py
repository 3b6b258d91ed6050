"""Intake sessions: the dossier checklist at the counter, saved on every change, never lost.

They live in their own SQLite file (``intakes.db``) so a long pack install never blocks a save.
WAL with ``synchronous=FULL``: when ``save_intake`` returns, the intake survives a crash or a
kill. Each received dossier gets a code ``<agency>-<yymmdd>-<NNNN>`` whose daily sequence is
allocated inside an immediate transaction, so it never repeats, across restarts and processes.
"""

from __future__ import annotations

import csv
import json
import math
import sqlite3
import statistics
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from knowledge import paths
from knowledge.checklist import checklist_for
from knowledge.errors import MotcuaError, NotFound, StoreCorrupt
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
    """One checklist line in a session; ``ticked``: the clerk has it in hand (or has seen it)."""

    index: int
    name: str
    kind: str  # submit | present | note (knowledge.checklist)
    original: int
    copy: int
    ticked: bool = False
    note: str = ""
    case: str | None = None  # the checklist case it belongs to; None: every case
    conditional: bool = False  # an add-on (authorisation …): shown, never counted missing

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> IntakeItem:
        return cls(**{k: v for k, v in d.items() if k in _ITEM_FIELDS})


STATUSES = ("open", "received", "returned", "abandoned")


@dataclass
class Intake:
    """A dossier checklist session at the counter, saved whole on every change."""

    id: str
    procedure_code: str
    procedure_name: str
    pack_id: str | None = None
    pack_version: int | None = None
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
    appointment_at: str | None = None
    appointment_override_reason: str = ""
    processing_time_raw: str | None = None
    return_reason: str = ""

    # Older names, still used by the desktop pane.
    @property
    def processing_time(self) -> str | None:
        return self.processing_time_raw

    @processing_time.setter
    def processing_time(self, value: str | None) -> None:
        self.processing_time_raw = value

    @property
    def appointment_reason(self) -> str:
        return self.appointment_override_reason

    @appointment_reason.setter
    def appointment_reason(self, value: str) -> None:
        self.appointment_override_reason = value

    def applicable(self) -> list[IntakeItem]:
        """The lines shown for the chosen case: the common ones and the case's own."""
        return [i for i in self.items if i.case is None or i.case == self.case]

    def needed(self) -> list[IntakeItem]:
        """The documents the dossier must hold (no notes, no add-ons)."""
        return [i for i in self.applicable() if i.kind != "note" and not i.conditional]

    def missing(self) -> list[IntakeItem]:
        return [i for i in self.needed() if not i.ticked]

    def received_items(self) -> list[IntakeItem]:
        """What the clerk ticked (add-ons included): the table of Mẫu 01."""
        return [i for i in self.applicable() if i.kind != "note" and i.ticked]

    @property
    def complete(self) -> bool:
        return not self.missing()

    def minutes(self) -> float | None:
        if not self.closed_at:
            return None
        delta = datetime.fromisoformat(self.closed_at) - datetime.fromisoformat(self.opened_at)
        return delta.total_seconds() / 60

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, data: str) -> Intake:
        """Read a saved intake; keys from older versions are renamed, unknown keys ignored."""
        d = json.loads(data)
        for old, new in _RENAMED.items():
            if old in d:
                d.setdefault(new, d.pop(old))
        d["items"] = [IntakeItem.from_dict(i) for i in d.get("items", [])]
        return cls(**{k: v for k, v in d.items() if k in _INTAKE_FIELDS})


_ITEM_FIELDS = {f.name for f in fields(IntakeItem)}
_INTAKE_FIELDS = {f.name for f in fields(Intake)}
_RENAMED = {"processing_time": "processing_time_raw",
            "appointment_reason": "appointment_override_reason"}


def missing_items(intake: Intake) -> list[IntakeItem]:
    """Every document still missing for the chosen case (Mẫu 02 lists them all at once)."""
    return intake.missing()


class IntakeStore:
    """The intakes database. One per thread."""

    def __init__(self, path: Path, *, busy_seconds: float = 30.0) -> None:
        self.path = path
        deadline = time.monotonic() + busy_seconds
        while True:
            conn = sqlite3.connect(str(path), timeout=busy_seconds)
            try:
                self.db = Database(conn)
                # Changing the journal mode and migrating need the write lock; a second process
                # opening the same fresh file at that moment gets SQLITE_BUSY at once (the busy
                # timeout does not cover it), so retry until the deadline.
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                migrations.apply(self.db)
                return
            except (sqlite3.OperationalError, sqlite3.IntegrityError) as e:
                conn.close()
                # Migrations check what is pending outside their transaction: two processes
                # opening a fresh file may both try the first one; the loser sees "already
                # exists" (or a duplicate migration record) and simply tries again.
                if any(w in str(e) for w in ("locked", "busy", "already exists", "UNIQUE")):
                    if time.monotonic() < deadline:
                        time.sleep(0.05)
                        continue
                    raise MotcuaError("Sổ hồ sơ đang bận (một chương trình khác đang ghi); hãy thử lại.",
                                      f"intakes {path} busy: {e}") from e
                raise StoreCorrupt("Không mở được sổ hồ sơ đã tiếp nhận; hãy báo cho quản trị.",
                                   f"cannot open intakes {path}: {e}") from e
            except sqlite3.DatabaseError as e:
                conn.close()
                raise StoreCorrupt("Không mở được sổ hồ sơ đã tiếp nhận; hãy báo cho quản trị.",
                                   f"cannot open intakes {path}: {e}") from e

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Self:
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
    """Open (creating and migrating) ``intakes.db`` in the data folder; close it when done."""
    return IntakeStore(paths.intakes_path(paths.home(home)))


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now()).replace(microsecond=0)


def start_intake(*, store: IntakeStore, procedure: Procedure, case: str | None = None,
                 pack_id: str | None = None, pack_version: int | None = None,
                 now: datetime | None = None) -> Intake:
    """Open an intake for a procedure, with its checklist, and save it.

    Args:
        case: one of the checklist's cases; None picks the first (the clerk can change it).

    Raises:
        MotcuaError: ``case`` is not one of the procedure's cases.
    """
    checklist = checklist_for(procedure)
    if case is not None and case not in checklist.cases:
        raise MotcuaError(f"Thủ tục {procedure.code} không có trường hợp “{case}”.",
                          f"unknown case {case!r} for {procedure.code}")
    intake = Intake(
        id=uuid.uuid4().hex, procedure_code=procedure.code, procedure_name=procedure.name,
        pack_id=pack_id, pack_version=pack_version,
        case=case or (checklist.cases[0] if checklist.cases else None),
        items=[IntakeItem(i.index, i.name, i.kind, i.original, i.copy, case=i.case,
                          conditional=i.conditional) for i in checklist.items],
        opened_at=_now(now).isoformat(), processing_time_raw=procedure.processing_time)
    save_intake(store=store, intake=intake)
    return intake


def save_intake(*, store: IntakeStore, intake: Intake, now: datetime | None = None) -> None:
    """Save the whole intake in one transaction; durable when this returns (WAL, synchronous=FULL)."""
    if intake.status not in STATUSES:
        raise ValueError(f"bad status {intake.status!r}")
    with store.db.atomic():
        store.db["intakes"].upsert({
            "id": intake.id, "procedure_code": intake.procedure_code,
            "procedure_name": intake.procedure_name, "pack_id": intake.pack_id,
            "status": intake.status, "opened_at": intake.opened_at, "closed_at": intake.closed_at,
            "updated_at": _now(now).isoformat(), "dossier_code": intake.dossier_code,
            "applicant_name": intake.applicant_name, "search": _search_text(intake),
            "data": intake.to_json(),
        }, pk="id")


def tick(*, store: IntakeStore, intake: Intake, index: int, ticked: bool = True) -> Intake:
    """Tick (or untick) the checklist line ``index`` and save."""
    _item(intake, index).ticked = ticked
    save_intake(store=store, intake=intake)
    return intake


def set_note(*, store: IntakeStore, intake: Intake, index: int, note: str) -> Intake:
    """The clerk's remark on one line ("bản khai tay", "hết hạn") and save."""
    _item(intake, index).note = note
    save_intake(store=store, intake=intake)
    return intake


def _item(intake: Intake, index: int) -> IntakeItem:
    for item in intake.items:
        if item.index == index:
            return item
    raise NotFound("Không có giấy tờ này trong danh mục.", f"no item {index} in {intake.id}")


def unfinished(*, store: IntakeStore) -> list[Intake]:
    """Intakes left open (e.g. by a crash): offered for resuming at start."""
    return store._where("status = 'open'", [])


def today(*, store: IntakeStore, query: str | None = None, now: datetime | None = None) -> list[Intake]:
    """Today's intakes (opened or closed today), newest first, filtered by applicant, phone,
    procedure code or name, or dossier code; diacritics and case do not matter."""
    start = _now(now).replace(hour=0, minute=0, second=0).isoformat()
    found = store._where("opened_at >= ? or closed_at >= ?", [start, start])
    words = fold(query or "").lower().split()
    return [i for i in found if all(w in _search_text(i) for w in words)]


def _search_text(i: Intake) -> str:
    return fold(" ".join([i.applicant_name, i.phone, i.procedure_code, i.procedure_name,
                          i.dossier_code or ""])).lower()


def next_dossier_code(*, store: IntakeStore, agency_code: str, now: datetime | None = None) -> str:
    """``<agency>-<yymmdd>-<NNNN>``: the day's next number, never reused.

    Allocated in a ``BEGIN IMMEDIATE`` transaction on the (agency, day) sequence row, so two
    processes never get the same number and a restart continues where the last one stopped.
    A number allocated for an intake whose save then fails is skipped, not reused.
    """
    if not agency_code or not agency_code.strip():
        raise MotcuaError("Chưa đặt mã cơ quan tiếp nhận (Cài đặt → Bộ phận một cửa).",
                          "empty agency code")
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
    return f"{agency_code.strip()}-{day}-{n:04d}"


def receive(*, store: IntakeStore, intake: Intake, agency_code: str,
            now: datetime | None = None) -> Intake:
    """Receive the dossier (Mẫu 01): give it a dossier code and close the intake. Receiving an
    intake already received changes nothing (a reprint keeps its code and time)."""
    if intake.status == "received" and intake.dossier_code:
        return intake
    if not intake.dossier_code:
        intake.dossier_code = next_dossier_code(store=store, agency_code=agency_code, now=now)
    intake.status = "received"
    intake.closed_at = _now(now).isoformat()
    save_intake(store=store, intake=intake, now=now)
    return intake


def return_dossier(*, store: IntakeStore, intake: Intake, reason: str = "",
                   now: datetime | None = None) -> Intake:
    """The dossier goes back with a request for everything missing (Mẫu 02)."""
    intake.status = "returned"
    intake.return_reason = reason
    intake.closed_at = _now(now).isoformat()
    save_intake(store=store, intake=intake, now=now)
    return intake


def abandon(*, store: IntakeStore, intake: Intake, now: datetime | None = None) -> Intake:
    """The applicant left, or the intake was opened by mistake; kept, but out of the figures."""
    intake.status = "abandoned"
    intake.closed_at = _now(now).isoformat()
    save_intake(store=store, intake=intake, now=now)
    return intake


@dataclass
class Figures:
    """The counter's figures over a period (received and returned intakes only)."""

    count: int
    received: int
    returned: int
    median_minutes: float | None
    p90_minutes: float | None
    most_missing: list[tuple[str, int]]


def figures(*, store: IntakeStore, since: datetime, until: datetime) -> Figures:
    """How many dossiers, how long an intake takes, what is most often missing (returned ones)."""
    done = store._where("opened_at >= ? and opened_at < ? and status in ('received', 'returned')",
                        [since.isoformat(), until.isoformat()])
    minutes = sorted(m for m in (i.minutes() for i in done) if m is not None)
    missing = Counter(item.name for i in done if i.status == "returned" for item in i.missing())
    # nearest-rank percentile: the smallest value with at least 90 % of values at or below it
    p90 = minutes[max(math.ceil(0.9 * len(minutes)) - 1, 0)] if minutes else None
    return Figures(len(done), sum(i.status == "received" for i in done),
                   sum(i.status == "returned" for i in done),
                   statistics.median(minutes) if minutes else None, p90, missing.most_common(10))


def export_csv(*, store: IntakeStore, path: Path, since: datetime, until: datetime) -> int:
    """Write the period's intakes as CSV (UTF-8 with BOM, for Excel); return the row count."""
    rows = store._where("opened_at >= ? and opened_at < ?", [since.isoformat(), until.isoformat()])
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["ma_ho_so", "ma_thu_tuc", "thu_tuc", "nguoi_nop", "trang_thai", "mo_luc",
                    "dong_luc", "so_phut", "hen_tra", "giay_to_thieu"])
        for i in rows:
            m = i.minutes()
            w.writerow([i.dossier_code or "", i.procedure_code, i.procedure_name, i.applicant_name,
                        i.status, i.opened_at, i.closed_at or "",
                        f"{m:.1f}" if m is not None else "", i.appointment_at or "",
                        "; ".join(x.name for x in i.missing())])
    return len(rows)


def today_range(now: datetime | None = None) -> tuple[datetime, datetime]:
    """[today 00:00, tomorrow 00:00) for :func:`figures`."""
    start = _now(now).replace(hour=0, minute=0, second=0)
    return start, start + timedelta(days=1)


def last_30_days(now: datetime | None = None) -> tuple[datetime, datetime]:
    end = _now(now) + timedelta(seconds=1)
    return end - timedelta(days=30), end
