"""Appointment dates on real 2026 dates, with the demo pack's calendar."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.errors import MotcuaError
from knowledge.paths import resource
from knowledge.workdays import Calendar, appointment, parse_processing_time

CAL = Calendar.from_json(json.loads(resource("demo-pack", "source", "calendar.json")
                                    .read_text(encoding="utf-8")))
MAKEUP = Calendar(workdays={date(2026, 1, 10): "Làm bù"})  # a Saturday made a working day


@pytest.mark.parametrize("text, kind, amount, amount_max, confirm", [
    ("05 ngày làm việc", "working_days", 5, 5, False),
    ("7 Ngày làm việc", "working_days", 7, 7, False),
    ("30 ngày", "calendar_days", 30, 30, False),
    ("30 Ngày", "calendar_days", 30, 30, False),
    ("10 - 15 ngày", "calendar_days", 10, 15, False),
    ("03 giờ làm việc", "working_hours", 3, 3, False),
    ("02 Giờ", "working_hours", 2, 2, False),
    ("Trong ngày làm việc", "same_day", 0, 0, False),
    ("1", "unknown", 1, 1, True),
    ("", "unknown", None, None, False),
    (None, "unknown", None, None, False),
    ("Không quy định", "unknown", None, None, True),
])
def test_parse(text, kind, amount, amount_max, confirm):
    d = parse_processing_time(text)
    assert (d.kind, d.amount, d.amount_max, d.needs_confirmation) == (kind, amount, amount_max,
                                                                        confirm)


def test_parse_same_day_cutoff():
    d = parse_processing_time("Ngay trong ngày tiếp nhận hồ sơ; trường hợp nhận hồ sơ sau 15 giờ"
                              " thì trả kết quả trong ngày làm việc tiếp theo")
    assert (d.kind, d.cutoff) == ("same_day", time(15, 0))
    assert d.describe_vi() == "trong ngày (nhận sau 15:00 trả ngày làm việc sau)"


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm)


def due(received, text, cal=CAL):
    return appointment(received, parse_processing_time(text), cal)


def test_calendar_2026_facts():
    assert not CAL.is_working_day(date(2026, 2, 16))  # Tết
    assert not CAL.is_working_day(date(2026, 4, 27))  # Giỗ Tổ (26/4 is a Sunday) moved to Monday
    assert not CAL.is_working_day(date(2026, 4, 30)) and not CAL.is_working_day(date(2026, 5, 1))
    assert not CAL.is_working_day(date(2026, 9, 2)) and not CAL.is_working_day(date(2026, 9, 1))
    assert CAL.is_working_day(date(2026, 2, 23)) and CAL.is_working_day(date(2026, 9, 3))


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
    assert due(at(2026, 1, 9), "01 ngày làm việc", MAKEUP) == at(2026, 1, 10, 17, 0)


def test_received_after_hours_or_on_weekend_starts_next_day():
    assert due(at(2026, 3, 6, 17, 30), "01 ngày làm việc") == due(at(2026, 3, 9, 8, 0),
                                                                 "01 ngày làm việc")
    assert due(at(2026, 3, 7, 10, 0), "01 ngày làm việc") == at(2026, 3, 10, 17, 0)


def test_calendar_days_land_on_a_working_day():
    # 1/4 + 30 days = 1/5 (holiday), weekend 2–3/5 → Mon 4/5.
    assert due(at(2026, 4, 1), "30 ngày") == at(2026, 5, 4, 17, 0)
    assert due(at(2026, 4, 1), "10 - 15 ngày") == at(2026, 4, 16, 17, 0)


def test_working_hours_and_same_day_cutoff():
    assert due(at(2026, 3, 10, 10, 0), "03 giờ làm việc") == at(2026, 3, 10, 15, 0)
    assert due(at(2026, 3, 10, 16, 0), "03 giờ làm việc") == at(2026, 3, 11, 9, 30)
    text = "Ngay trong ngày tiếp nhận; trường hợp nhận hồ sơ sau 15 giờ thì trả kết quả trong ngày làm việc tiếp theo"
    assert due(at(2026, 3, 10, 14, 0), text) == at(2026, 3, 10, 17, 0)
    assert due(at(2026, 3, 10, 15, 30), text) == at(2026, 3, 11, 17, 0)


def test_bare_number_asks_the_clerk():
    with pytest.raises(MotcuaError, match="không rõ đơn vị"):
        due(at(2026, 3, 10), "1")


received = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 20))


@settings(max_examples=150, deadline=None)
@given(received, st.integers(1, 30), st.sampled_from(["ngày làm việc", "ngày", "giờ làm việc"]))
def test_never_on_a_non_working_day_and_monotone(r, n, unit):
    d = due(r, f"{n} {unit}")
    assert CAL.is_working_day(d.date()) and d > r
    assert due(r, f"{n + 1} {unit}") >= d
    assert due(r + timedelta(hours=5), f"{n} {unit}") >= d


def test_coverage_on_the_corpus(corpus):
    rows = [json.loads(line) for line in (corpus / "procedures.jsonl").open(encoding="utf-8")]
    times = [r["processing_time"] for r in rows if r.get("processing_time")]
    known = sum(parse_processing_time(t).kind != "unknown" for t in times)
    assert known / len(times) > 0.85  # the rest: bare numbers and prose, shown for the clerk
