"""The appointment date (ngày hẹn trả): processing times, working days and the holiday calendar.

Rules (DOMAIN.md; the calendar is data from packs, corrected by supervisors):

- A working day is Monday–Friday, unless it is a listed holiday, plus any listed make-up day.
- **Working days** (N ngày làm việc): counted from the first working day after the day the
  dossier is received; a dossier received outside working hours or on a non-working day counts
  as received at the next opening. The result is due at the close of the N-th working day.
- **Calendar days** (N ngày): the received date + N; if that is not a working day, the next
  working day. Due at its close.
- **Working hours** (N giờ làm việc): counted inside the working sessions (default 07:30–11:30,
  13:30–17:00; 8 hours make a day), skipping non-working days.
- **Same day** (Trong ngày, Ngay trong ngày …): the same working day's close; received after the
  procedure's cut-off (e.g. "sau 15 giờ") or outside working time: the next working day's close.
- A bare number ("1", as the portal gives for 1.001193) has no unit: ``needs_confirmation`` —
  the clerk confirms the unit; nothing is assumed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from knowledge.errors import MotcuaError
from knowledge.text import fold

KINDS = ("working_days", "calendar_days", "working_hours", "same_day", "unknown")


@dataclass
class Calendar:
    """Holidays and official make-up working days, by date (names for display)."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict | None) -> "Calendar":
        data = data or {}
        return cls({date.fromisoformat(h["date"]): h.get("name", "") for h in data.get("holidays", [])},
                   {date.fromisoformat(w["date"]): w.get("name", "") for w in data.get("workdays", [])})

    def merge(self, other: "Calendar") -> "Calendar":
        return Calendar({**self.holidays, **other.holidays}, {**self.workdays, **other.workdays})

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        d += timedelta(days=1)
        for _ in range(400):
            if self.is_working_day(d):
                return d
            d += timedelta(days=1)
        raise MotcuaError("Lịch ngày nghỉ không hợp lệ: không còn ngày làm việc nào trong năm.",
                          "no working day within 400 days")


@dataclass(frozen=True)
class WorkingHours:
    sessions: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)),
                                               (time(13, 30), time(17, 0)))

    @property
    def opening(self) -> time:
        return self.sessions[0][0]

    @property
    def closing(self) -> time:
        return self.sessions[-1][1]


@dataclass(frozen=True)
class Duration:
    kind: str
    amount: float | None = None
    amount_max: float | None = None
    raw: str = ""
    cutoff: time | None = None
    needs_confirmation: bool = False

    def describe_vi(self) -> str:
        n = _num(self.amount_max or self.amount)
        return {
            "working_days": f"{n} ngày làm việc",
            "calendar_days": f"{n} ngày (tính cả ngày nghỉ)",
            "working_hours": f"{n} giờ làm việc",
            "same_day": "trong ngày" + (f" (nhận sau {self.cutoff:%H:%M} trả ngày làm việc sau)"
                                        if self.cutoff else ""),
            "unknown": f"chưa rõ đơn vị: “{self.raw}”" if self.raw else "chưa quy định",
        }[self.kind]


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")


_NUMBER = r"(\d+(?:[.,]\d+)?)"
_RANGE = re.compile(_NUMBER + r"\s*(?:-|–|đến|den)\s*" + _NUMBER)
_CUTOFF = re.compile(r"sau\s+(\d{1,2})\s*(?:gio|h)\s*(\d{2})?")


def parse_processing_time(text: str | None) -> Duration:
    """Read a processing-time string as published ("05 ngày làm việc", "30 Ngày", "1"…)."""
    raw = (text or "").strip()
    if not raw:
        return Duration("unknown", raw=raw)
    f = fold(raw).lower()
    if "trong ngay" in f or "ngay trong ngay" in f or f.startswith("trong ngay"):
        m = _CUTOFF.search(f)
        cutoff = time(int(m.group(1)), int(m.group(2) or 0)) if m else None
        return Duration("same_day", 0, 0, raw, cutoff)
    m = _RANGE.search(f)
    if m:
        lo, hi = (float(g.replace(",", ".")) for g in m.groups())
    else:
        m = re.search(_NUMBER, f)
        if not m:
            return Duration("unknown", raw=raw, needs_confirmation=True)
        lo = hi = float(m.group(1).replace(",", "."))
    rest = f[m.end():].strip()
    if rest.startswith("ngay lam viec") or rest.startswith("ngay lv"):
        kind = "working_days"
    elif rest.startswith("gio"):
        kind = "working_hours"
    elif rest.startswith("ngay"):
        kind = "calendar_days"
    elif rest.startswith("thang"):
        return Duration("calendar_days", lo * 30, hi * 30, raw, needs_confirmation=True)
    else:
        return Duration("unknown", lo, hi, raw, needs_confirmation=True)
    return Duration(kind, lo, hi, raw)


def appointment(received: datetime, duration: Duration, calendar: Calendar,
                hours: WorkingHours = WorkingHours(), cutoff: time | None = None) -> datetime:
    """When the result is due. Raises MotcuaError for a duration whose unit is unknown."""
    cal = calendar
    n = duration.amount_max if duration.amount_max is not None else duration.amount
    if duration.kind == "unknown" or n is None and duration.kind != "same_day":
        raise MotcuaError(
            f"Thời hạn giải quyết “{duration.raw or 'không có'}” không rõ đơn vị; hãy chọn ngày làm"
            " việc, ngày hay giờ làm việc rồi tính lại ngày hẹn.", f"unknown duration {duration!r}")
    day, clock = received.date(), received.time()
    in_day = cal.is_working_day(day) and clock < hours.closing
    close = lambda d: datetime.combine(d, hours.closing)  # noqa: E731
    if duration.kind == "same_day":
        limit = cutoff or duration.cutoff or hours.closing
        return close(day) if in_day and clock < limit else close(cal.next_working_day(day))
    if duration.kind == "calendar_days":
        due = day + timedelta(days=int(round(n)))
        return close(due if cal.is_working_day(due) else cal.next_working_day(due))
    if duration.kind == "working_days":
        d = day if in_day else cal.next_working_day(day)  # as if received at the next opening
        for _ in range(max(int(round(n)), 1)):
            d = cal.next_working_day(d)
        return close(d)
    # working hours: walk the sessions
    remaining = timedelta(hours=float(n))
    start = received if in_day else datetime.combine(cal.next_working_day(day), hours.opening)
    d = start.date()
    while True:
        for s_open, s_close in hours.sessions:
            begin = max(start, datetime.combine(d, s_open))
            end = datetime.combine(d, s_close)
            if begin >= end:
                continue
            if end - begin >= remaining:
                return begin + remaining
            remaining -= end - begin
        d = cal.next_working_day(d)
        start = datetime.combine(d, hours.opening)
