"""The appointment date (ngày hẹn trả): processing times, working days and the holiday calendar.

Rules (DOMAIN.md; the calendar is data from packs, corrected by supervisors):

- A working day is Monday–Friday, unless it is a listed holiday, plus any listed make-up day.
- **Working days** (N ngày làm việc): a dossier received on a working day, before closing, counts
  day 1 as the *following* working day. One received on a non-working day or after closing counts
  as received at the next opening, so day 1 is the working day after that. The result is due at
  the return time (default: closing) of the N-th working day. A fractional number of days
  ("0,5 ngày làm việc") is counted as working hours, 8 hours a day.
- **Calendar days** (N ngày): the received date + N; if that is not a working day, the next
  working day. Due at its return time.
- **Working hours** (N giờ làm việc): counted inside the working sessions (default 07:30–11:30,
  13:30–17:00), skipping non-working days; the due time is the exact moment the hours run out.
- **Same day** (Trong ngày, Ngay trong ngày …): the same working day's return time; received after
  the procedure's cut-off (e.g. "sau 15 giờ"), after closing or on a non-working day: the next
  working day's return time.
- A bare number ("1", as the portal gives for 1.001193) or prose has no unit: kind ``unknown``
  with ``needs_confirmation`` — the clerk confirms the unit; nothing is assumed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from knowledge.errors import MotcuaError, PackInvalid
from knowledge.text import fold

KINDS = ("working_days", "calendar_days", "working_hours", "same_day", "unknown")
HOURS_PER_DAY = 8
"""Real one-stop systems keep processing time in working hours: 8 hours make one working day."""

_MAX_SCAN_DAYS = 800


@dataclass
class Calendar:
    """Holidays and official make-up working days (e.g. a Saturday), by date, with names."""

    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, *, source: str = "calendar.json") -> Calendar:
        """Read ``{"holidays": [{"date": "2026-01-01", "name": …}], "workdays": [...]}``.

        Raises:
            PackInvalid: a date is malformed or listed both as a holiday and as a make-up day.
        """
        data = data or {}
        out = cls()
        for key, target in (("holidays", out.holidays), ("workdays", out.workdays)):
            for n, entry in enumerate(data.get(key) or [], start=1):
                try:
                    d = date.fromisoformat(str(entry["date"]))
                except (KeyError, TypeError, ValueError) as e:
                    raise PackInvalid(
                        f"Lịch ngày nghỉ {source}: mục {key} số {n} có ngày không hợp lệ "
                        f"(cần dạng 2026-01-01).", f"{source}: {key}[{n - 1}] bad date: {e}") from e
                target[d] = str(entry.get("name") or "")
        both = sorted(set(out.holidays) & set(out.workdays))
        if both:
            raise PackInvalid(
                f"Lịch ngày nghỉ {source}: ngày {both[0]:%d/%m/%Y} vừa là ngày nghỉ vừa là ngày làm bù.",
                f"{source}: {both} both holiday and make-up day")
        return out

    def to_json(self) -> dict[str, Any]:
        return {"holidays": [{"date": d.isoformat(), "name": n} for d, n in sorted(self.holidays.items())],
                "workdays": [{"date": d.isoformat(), "name": n} for d, n in sorted(self.workdays.items())]}

    def merge(self, *others: Calendar) -> Calendar:
        """A new calendar: ``self`` then each of ``others``; a later calendar wins on a date
        (a supervisor's file listed after a pack can turn a holiday into a make-up day)."""
        holidays, workdays = dict(self.holidays), dict(self.workdays)
        for other in others:
            for d, name in other.holidays.items():
                holidays[d] = name
                workdays.pop(d, None)
            for d, name in other.workdays.items():
                workdays[d] = name
                holidays.pop(d, None)
        return Calendar(holidays, workdays)

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        return d.weekday() < 5 and d not in self.holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after ``d``."""
        for _ in range(_MAX_SCAN_DAYS):
            d += timedelta(days=1)
            if self.is_working_day(d):
                return d
        raise MotcuaError("Lịch ngày nghỉ không hợp lệ: không còn ngày làm việc nào.",
                          f"no working day within {_MAX_SCAN_DAYS} days after {d}")

    def working_day_on_or_after(self, d: date) -> date:
        return d if self.is_working_day(d) else self.next_working_day(d)


_CLOCK = re.compile(r"^\s*(\d{1,2})[:h](\d{2})\s*-\s*(\d{1,2})[:h](\d{2})\s*$")


@dataclass(frozen=True)
class WorkingHours:
    """A province's working sessions, and when results are handed back (default: closing)."""

    sessions: tuple[tuple[time, time], ...] = ((time(7, 30), time(11, 30)),
                                               (time(13, 30), time(17, 0)))
    return_time: time | None = None

    def __post_init__(self) -> None:
        prev = time.min
        if not self.sessions:
            raise MotcuaError("Giờ làm việc phải có ít nhất một buổi.", "no sessions")
        for start, end in self.sessions:
            if not prev <= start < end:
                raise MotcuaError("Giờ làm việc không hợp lệ: các buổi phải theo thứ tự, không chồng"
                                  " lên nhau.", f"bad sessions {self.sessions}")
            prev = end

    @classmethod
    def parse(cls, text: str, return_time: str | None = None) -> WorkingHours:
        """``"07:30-11:30, 13:30-17:00"`` (a counter setting) → WorkingHours."""
        sessions = []
        for part in text.split(","):
            m = _CLOCK.match(part)
            if not m:
                raise MotcuaError(f"Giờ làm việc “{text}” không đúng dạng 07:30-11:30, 13:30-17:00.",
                                  f"bad working hours {text!r}")
            h1, m1, h2, m2 = (int(g) for g in m.groups())
            sessions.append((time(h1, m1), time(h2, m2)))
        rt = time.fromisoformat(return_time) if return_time else None
        return cls(tuple(sessions), rt)

    @property
    def opening(self) -> time:
        return self.sessions[0][0]

    @property
    def closing(self) -> time:
        return self.sessions[-1][1]

    @property
    def due_time(self) -> time:
        return self.return_time or self.closing


@dataclass(frozen=True)
class Duration:
    """A parsed processing time. ``amount_max`` is the upper end of a range ("10 - 15 ngày")."""

    kind: str
    amount: float | None = None
    amount_max: float | None = None
    raw: str = ""
    cutoff: time | None = None
    needs_confirmation: bool = False

    @property
    def known(self) -> bool:
        return self.kind != "unknown"

    def describe_vi(self) -> str:
        n = _num(self.amount_max if self.amount_max is not None else self.amount)
        if self.amount is not None and self.amount_max not in (None, self.amount):
            n = f"{_num(self.amount)}–{n}"
        return {
            "working_days": f"{n} ngày làm việc",
            "calendar_days": f"{n} ngày (tính cả ngày nghỉ)",
            "working_hours": f"{n} giờ làm việc",
            "same_day": "trong ngày" + (f" (nhận sau {self.cutoff:%H:%M} trả ngày làm việc sau)"
                                        if self.cutoff else ""),
            "unknown": f"chưa rõ đơn vị: “{self.raw}”" if self.raw else "chưa quy định",
        }[self.kind]

    def with_kind(self, kind: str) -> Duration:
        """The clerk confirmed the unit of a bare number: the same amount in ``kind``."""
        if kind not in KINDS:
            raise ValueError(kind)
        return Duration(kind, self.amount, self.amount_max, self.raw, self.cutoff, False)


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else f"{x:g}".replace(".", ",")


_NUMBER = r"(\d+\s*/\s*\d+|\d+(?:[.,]\d+)?)"
_UNIT = (r"(ngay\s+lam\s+viec|ngay\s+lv|ngay|gio\s+lam\s+viec|gio|tieng|phut|tuan|thang|buoi)\b")
_AMOUNT = re.compile(_NUMBER + r"(?:\s*(?:-|–|—|den|toi)\s*" + _NUMBER + r")?\s*(?:" + _UNIT + r")?")
_SAME_DAY = re.compile(r"(?:^|\W)(?:ngay\s+)?trong\s+(?:ngay|buoi)\b|\btra\s+ngay\b|^ngay$")
_CUTOFF = re.compile(r"sau\s+(\d{1,2})\s*(?:gio|h|:)\s*(\d{2})?")


def _to_float(s: str) -> float:
    if "/" in s:
        a, b = (int(x) for x in s.split("/"))
        return a / b if b else float(a)
    return float(s.replace(",", "."))


def parse_processing_time(text: str | None) -> Duration:
    """Read a processing-time string as published.

    Handles "05 ngày làm việc", "7 Ngày làm việc", "30 Ngày", "10 - 15 ngày" (a range: the
    appointment uses the maximum), "03 giờ làm việc", "02 Giờ", "Trong ngày làm việc",
    "Ngay trong ngày …; … sau 15 giờ … ngày làm việc tiếp theo" (same day, cut-off 15:00),
    "2 tuần", "1 tháng" (30 days, to be confirmed). A bare number ("1") or prose is ``unknown``
    with ``needs_confirmation``; an empty value is ``unknown`` without.
    """
    raw = (text or "").strip()
    if not raw:
        return Duration("unknown", raw=raw)
    f = " ".join(fold(raw).lower().split())
    c = _CUTOFF.search(f)
    body = _CUTOFF.sub(" ", f)  # "sau 15 giờ" is a cut-off, not the duration
    m = _AMOUNT.search(body)
    same = _SAME_DAY.search(body)
    if same and (m is None or m.group(3) is None or same.start() < m.start()):
        cutoff = time(int(c.group(1)) % 24, int(c.group(2) or 0)) if c else None
        return Duration("same_day", 0, 0, raw, cutoff)
    if m is None:
        return Duration("unknown", raw=raw, needs_confirmation=True)
    lo = _to_float(m.group(1))
    hi = _to_float(m.group(2)) if m.group(2) else lo
    lo, hi = min(lo, hi), max(lo, hi)
    unit = " ".join((m.group(3) or "").split())
    if unit in ("ngay lam viec", "ngay lv"):
        return Duration("working_days", lo, hi, raw)
    if unit == "ngay":
        return Duration("calendar_days", lo, hi, raw)
    if unit in ("gio lam viec", "gio", "tieng"):
        return Duration("working_hours", lo, hi, raw)
    if unit == "phut":
        return Duration("working_hours", lo / 60, hi / 60, raw)
    if unit == "tuan":
        return Duration("calendar_days", lo * 7, hi * 7, raw)
    if unit == "thang":  # months vary in length: an estimate the clerk confirms
        return Duration("calendar_days", lo * 30, hi * 30, raw, needs_confirmation=True)
    if unit == "buoi":  # a session is half a working day
        return Duration("working_hours", lo * HOURS_PER_DAY / 2, hi * HOURS_PER_DAY / 2, raw,
                        needs_confirmation=True)
    return Duration("unknown", lo, hi, raw, needs_confirmation=True)


def appointment(received: datetime, duration: Duration, calendar: Calendar,
                hours: WorkingHours = WorkingHours(), cutoff: time | None = None) -> datetime:
    """When the result is due (see the module docstring for the rules).

    Args:
        received: when the dossier was received (naive local time).
        duration: from :func:`parse_processing_time`; a range counts its maximum.
        calendar: holidays and make-up days (merged pack and supervisor calendars).
        hours: the province's sessions and return time.
        cutoff: the procedure's cut-off for same-day results, overriding the parsed one.

    Raises:
        MotcuaError: the duration's unit is unknown (the clerk must confirm it first).
    """
    cal = calendar
    n = duration.amount_max if duration.amount_max is not None else duration.amount
    if duration.kind not in KINDS[:4] or (n is None and duration.kind != "same_day"):
        raise MotcuaError(
            f"Thời hạn giải quyết “{duration.raw or 'không có'}” không rõ đơn vị; hãy chọn ngày làm"
            " việc, ngày hay giờ làm việc rồi tính lại ngày hẹn.", f"unknown duration {duration!r}")
    day, clock = received.date(), received.time()
    in_day = cal.is_working_day(day) and clock < hours.closing

    def due(d: date) -> datetime:
        return datetime.combine(d, hours.due_time)

    if duration.kind == "same_day":
        limit = min(cutoff or duration.cutoff or hours.closing, hours.closing)
        return due(day) if in_day and clock < limit else due(cal.next_working_day(day))
    assert n is not None
    if duration.kind == "calendar_days":
        return due(cal.working_day_on_or_after(day + timedelta(days=max(round(n), 0))))
    if duration.kind == "working_days":
        if float(n).is_integer():
            d = day if in_day else cal.next_working_day(day)  # as if received at the next opening
            for _ in range(max(int(n), 1)):
                d = cal.next_working_day(d)
            return due(d)
        n = n * HOURS_PER_DAY  # half days: count working hours
    return _add_working_hours(received, float(n), cal, hours, in_day)


def _add_working_hours(received: datetime, n: float, cal: Calendar, hours: WorkingHours,
                       in_day: bool) -> datetime:
    remaining = timedelta(hours=n)
    day = received.date()
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
