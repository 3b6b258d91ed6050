"""Processing times and appointment dates, on real 2026 dates (Tết, 30/4–1/5, Giỗ Tổ, 2/9)."""

from __future__ import annotations

import collections
import json
import re
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.errors import MotcuaError, PackInvalid
from knowledge.text import fold
from knowledge.workdays import (Calendar, WorkingHours, appointment,
                                parse_processing_time)
from tests.conftest import DATA

CAL = Calendar.from_json(json.loads((DATA / "intake" / "calendar-2026.json").read_text("utf-8")))
SAME_DAY_15 = ("Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả"
               " trong ngày làm việc tiếp theo")


@pytest.mark.parametrize("text, kind, amount, amount_max, confirm", [
    ("05 ngày làm việc", "working_days", 5, 5, False),
    ("7 Ngày làm việc", "working_days", 7, 7, False),
    ("Không quá 03 ngày làm việc kể từ ngày nhận đủ hồ sơ", "working_days", 3, 3, False),
    ("0,5 ngày làm việc", "working_days", 0.5, 0.5, False),
    ("30 ngày", "calendar_days", 30, 30, False),
    ("30 Ngày", "calendar_days", 30, 30, False),
    ("10 - 15 ngày", "calendar_days", 10, 15, False),
    ("2 tuần", "calendar_days", 14, 14, False),
    ("01 tháng", "calendar_days", 30, 30, True),  # months vary: the clerk confirms
    ("03 giờ làm việc", "working_hours", 3, 3, False),
    ("02 Giờ", "working_hours", 2, 2, False),
    ("Trong ngày làm việc", "same_day", 0, 0, False),
    ("Trong ngày", "same_day", 0, 0, False),
    ("1", "unknown", 1, 1, True),
    ("10-15", "unknown", 10, 15, True),
    ("", "unknown", None, None, False),
    (None, "unknown", None, None, False),
    ("Không quy định", "unknown", None, None, True),
    ("Chậm nhất là ngày trước khi tàu rời cảng", "unknown", None, None, True),
])
def test_parse(text, kind, amount, amount_max, confirm):
    d = parse_processing_time(text)
    assert (d.kind, d.amount, d.amount_max, d.needs_confirmation) == (kind, amount, amount_max,
                                                                        confirm)
    assert d.raw == (text or "").strip()


def test_parse_same_day_cutoff():
    d = parse_processing_time(SAME_DAY_15)
    assert (d.kind, d.cutoff) == ("same_day", time(15, 0))
    assert d.describe_vi() == "trong ngày (nhận sau 15:00 trả ngày làm việc sau)"
    assert parse_processing_time("Trong ngày; nhận sau 15h30 trả ngày hôm sau").cutoff == time(15, 30)


def test_describe_and_confirm_a_bare_number():
    d = parse_processing_time("1")
    assert d.describe_vi() == "chưa rõ đơn vị: “1”"
    confirmed = d.with_kind("working_days")
    assert (confirmed.kind, confirmed.amount, confirmed.needs_confirmation) == ("working_days", 1, False)
    assert parse_processing_time("10 - 15 ngày").describe_vi() == "10–15 ngày (tính cả ngày nghỉ)"


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm)


def due(received, text, cal=CAL, **kw):
    return appointment(received, parse_processing_time(text), cal, **kw)


# ------------------------------------------------------------------------------- calendar
def test_calendar_2026_facts():
    assert not CAL.is_working_day(date(2026, 2, 16))  # Tết
    assert not CAL.is_working_day(date(2026, 4, 27))  # Giỗ Tổ (26/4 is a Sunday) moved to Monday
    assert not CAL.is_working_day(date(2026, 4, 30)) and not CAL.is_working_day(date(2026, 5, 1))
    assert not CAL.is_working_day(date(2026, 9, 2)) and not CAL.is_working_day(date(2026, 9, 1))
    assert CAL.is_working_day(date(2026, 2, 23)) and CAL.is_working_day(date(2026, 9, 3))
    assert CAL.is_working_day(date(2026, 1, 10))  # a make-up Saturday
    assert not CAL.is_working_day(date(2026, 1, 17))  # an ordinary Saturday


def test_merge_later_calendar_wins_and_round_trips():
    supervisor = Calendar(holidays={date(2026, 1, 2): "Nghỉ thêm"}, workdays={date(2026, 2, 14): "Làm bù"})
    merged = CAL.merge(supervisor)
    assert not merged.is_working_day(date(2026, 1, 2))
    assert merged.is_working_day(date(2026, 2, 14)) and date(2026, 2, 14) not in merged.holidays
    assert not CAL.is_working_day(date(2026, 2, 14))  # merge returns a new calendar
    assert Calendar.from_json(merged.to_json()) == merged


def test_bad_calendar_is_refused_with_a_clear_message():
    with pytest.raises(PackInvalid, match="mục holidays số 1"):
        Calendar.from_json({"holidays": [{"date": "30/04/2026"}]})
    with pytest.raises(PackInvalid, match="vừa là ngày nghỉ vừa là ngày làm bù"):
        Calendar.from_json({"holidays": [{"date": "2026-05-02"}], "workdays": [{"date": "2026-05-02"}]})


def test_working_hours_setting():
    h = WorkingHours.parse("07:00-11:00, 13:00-16:30", return_time="16:00")
    assert (h.opening, h.closing, h.due_time) == (time(7), time(16, 30), time(16))
    with pytest.raises(MotcuaError):
        WorkingHours.parse("13:00-11:00")
    with pytest.raises(MotcuaError):
        WorkingHours.parse("sáng")


# ------------------------------------------------------------------------------- working days
def test_working_days_skip_tet():
    # Thursday 12/02/2026, 5 working days: Fri 13, then Tết 14–22/02, Mon 23, Tue 24, Wed 25, Thu 26.
    assert due(at(2026, 2, 12), "05 ngày làm việc") == at(2026, 2, 26, 17, 0)


def test_working_days_skip_30_4_and_1_5():
    # Wednesday 29/04: Thu 30/4 and Fri 1/5 are holidays, weekend → Mon 4/5, Tue 5/5.
    assert due(at(2026, 4, 29), "02 ngày làm việc") == at(2026, 5, 5, 17, 0)


def test_working_days_skip_quoc_khanh():
    # Monday 31/08: Tue 1/9 and Wed 2/9 off → Thu 3/9, Fri 4/9, Mon 7/9.
    assert due(at(2026, 8, 31), "03 ngày làm việc") == at(2026, 9, 7, 17, 0)


def test_gio_to_on_a_sunday_moves_to_monday():
    # Friday 24/04 + 1 working day: Sat, Sun 26/4 (Giỗ Tổ), Mon 27/4 off → Tue 28/4.
    assert due(at(2026, 4, 24), "01 ngày làm việc") == at(2026, 4, 28, 17, 0)


def test_make_up_saturday_counts():
    assert due(at(2026, 1, 9), "01 ngày làm việc") == at(2026, 1, 10, 17, 0)
    assert due(at(2026, 1, 16), "01 ngày làm việc") == at(2026, 1, 19, 17, 0)  # ordinary Saturday


def test_received_after_hours_or_on_weekend_counts_from_the_next_opening():
    assert due(at(2026, 3, 6, 17, 30), "01 ngày làm việc") == due(at(2026, 3, 9, 8, 0),
                                                                 "01 ngày làm việc")
    assert due(at(2026, 3, 7, 10, 0), "01 ngày làm việc") == at(2026, 3, 10, 17, 0)
    # during Tết: as if received on Monday 23/02, so day 1 is Tuesday 24/02
    assert due(at(2026, 2, 18, 9, 0), "01 ngày làm việc") == at(2026, 2, 24, 17, 0)


def test_return_time_is_configurable():
    h = WorkingHours(return_time=time(16, 0))
    assert due(at(2026, 2, 12), "05 ngày làm việc", hours=h) == at(2026, 2, 26, 16, 0)


def test_half_a_working_day_counts_hours():
    # 4 working hours from 10:00: 10:00–11:30 (1.5 h), 13:30–16:00 (2.5 h).
    assert due(at(2026, 3, 10, 10, 0), "0,5 ngày làm việc") == at(2026, 3, 10, 16, 0)


# ------------------------------------------------------------------------------- other kinds
def test_calendar_days_land_on_a_working_day():
    # 1/4 + 30 days = 1/5 (holiday), weekend 2–3/5 → Mon 4/5.
    assert due(at(2026, 4, 1), "30 ngày") == at(2026, 5, 4, 17, 0)
    assert due(at(2026, 4, 1), "10 - 15 ngày") == at(2026, 4, 16, 17, 0)  # the maximum
    assert due(at(2026, 2, 9), "05 ngày") == at(2026, 2, 23, 17, 0)  # 14/02 is Tết → 23/02


def test_working_hours():
    assert due(at(2026, 3, 10, 10, 0), "03 giờ làm việc") == at(2026, 3, 10, 15, 0)
    assert due(at(2026, 3, 10, 16, 0), "03 giờ làm việc") == at(2026, 3, 11, 9, 30)
    assert due(at(2026, 3, 10, 12, 0), "02 Giờ") == at(2026, 3, 10, 15, 30)  # lunch break skipped
    # Friday 28/08 16:00 + 8 h: 1 h Friday, Mon 31/08 7 h to 16:30 (1–2/9 untouched)
    assert due(at(2026, 8, 28, 16, 0), "8 giờ làm việc") == at(2026, 8, 31, 16, 30)
    # Friday 13/02 16:00 + 3 h: 1 h Friday, then Tết → Monday 23/02 09:30
    assert due(at(2026, 2, 13, 16, 0), "03 giờ làm việc") == at(2026, 2, 23, 9, 30)


def test_same_day_and_cutoff():
    assert due(at(2026, 3, 10, 14, 0), SAME_DAY_15) == at(2026, 3, 10, 17, 0)
    assert due(at(2026, 3, 10, 15, 30), SAME_DAY_15) == at(2026, 3, 11, 17, 0)
    assert due(at(2026, 4, 29, 15, 30), SAME_DAY_15) == at(2026, 5, 4, 17, 0)  # over 30/4–1/5
    assert due(at(2026, 3, 7, 9, 0), "Trong ngày làm việc") == at(2026, 3, 9, 17, 0)  # Saturday
    # a cut-off given by the caller (the procedure's setting) wins over none in the text
    d = parse_processing_time("Trong ngày làm việc")
    assert appointment(at(2026, 3, 10, 15, 30), d, CAL, cutoff=time(15)) == at(2026, 3, 11, 17, 0)


def test_bare_number_asks_the_clerk():
    with pytest.raises(MotcuaError, match="không rõ đơn vị"):
        due(at(2026, 3, 10), "1")
    with pytest.raises(MotcuaError):
        due(at(2026, 3, 10), "")
    confirmed = parse_processing_time("1").with_kind("working_days")
    assert appointment(at(2026, 3, 10), confirmed, CAL) == at(2026, 3, 11, 17, 0)


# ------------------------------------------------------------------------------- properties
received = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20))
units = st.sampled_from(["ngày làm việc", "ngày", "giờ làm việc"])


@settings(max_examples=300, deadline=None)
@given(received, st.integers(1, 30), units)
def test_never_on_a_non_working_day_and_monotone_in_n(r, n, unit):
    d = due(r, f"{n} {unit}")
    assert CAL.is_working_day(d.date()) and d > r
    assert due(r, f"{n + 1} {unit}") >= d


@settings(max_examples=300, deadline=None)
@given(received, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
       st.integers(1, 20), st.sampled_from(["ngày làm việc", "ngày", "giờ làm việc",
                                            SAME_DAY_15, "Trong ngày làm việc"]))
def test_monotone_in_the_receipt_time(r, later, n, unit):
    text = unit if "trong" in unit.lower() else f"{n} {unit}"
    first, second = due(r, text), due(r + later, text)
    assert CAL.is_working_day(first.date()) and CAL.is_working_day(second.date())
    assert second >= first


# ------------------------------------------------------------------------------- the corpus
def test_coverage_on_the_corpus(corpus):
    """Every record's processing_time and every channel's time; print the coverage."""
    values = []
    for line in (corpus / "procedures.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if "processing_time" in r or r.get("channels"):
            values.append(r.get("processing_time"))
            values += [c.get("time") for c in r.get("channels") or []]
    given_ = [v for v in values if v and v.strip()]
    kinds = collections.Counter(parse_processing_time(v).kind for v in given_)
    known = len(given_) - kinds["unknown"]
    bare = sum(v.strip().isdigit() for v in given_)
    # a pattern: the folded text with every number as N ("N ngay lam viec", "N", "N-N" …)
    patterns = collections.Counter(re.sub(r"\d+(?:[.,]\d+)?", "N", " ".join(fold(v).lower().split()))
                                   for v in given_)
    print(f"\nprocessing-time coverage: {known}/{len(given_)} = {known / len(given_):.1%} parsed to a"
          f" known kind; {bare} bare numbers (clerk confirms); {dict(kinds)};"
          f" {len(set(given_))} distinct strings, {len(patterns)} patterns:"
          f" {patterns.most_common(6)}")
    # 2026 corpus: 8645 / 9949 = 86.9 %; the rest is 1210 bare numbers and ~90 lines of prose
    assert known / len(given_) > 0.85
    # every pattern that carries a unit word is parsed
    for pattern in patterns:
        if re.fullmatch(r"N(?:\s*-\s*N)?\s+(?:ngay lam viec|ngay|gio lam viec|gio)", pattern):
            assert parse_processing_time(pattern.replace("N", "5")).known, pattern
    # what is left unknown is bare numbers or prose without a unit, never a number with a unit
    for v in given_:
        d = parse_processing_time(v)
        if d.kind == "unknown":
            assert d.needs_confirmation
            assert v.strip().replace("-", "").replace(" ", "").isdigit() or not any(
                u in v.lower() for u in ("ngày làm việc", "giờ làm việc"))
