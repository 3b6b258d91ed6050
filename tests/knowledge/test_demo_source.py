"""The hand-written demo pack source and the national search tables are well-formed data."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest

from knowledge.model import CODE_RE, Procedure
from knowledge.search import ALIAS_TABLES

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "resources" / "demo-pack" / "source"
SEARCH = ROOT / "resources" / "search"
FORBIDDEN_STOPWORDS = {"cấp", "lại", "đăng ký", "giấy", "đổi"}


def _nfc(s: str) -> bool:
    return unicodedata.normalize("NFC", s) == s


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _records() -> list[dict]:
    lines = SOURCE.joinpath("procedures.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for n, line in enumerate(lines, 1):
        assert line.strip(), f"empty line {n}"
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as e:  # pragma: no cover - the message is the point
            pytest.fail(f"procedures.jsonl line {n}: {e}")
    return out


def _table_rows(path: Path) -> list[list[str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        assert _nfc(line), f"{path.name}:{n} not NFC"
        rows.append((n, line.split("\t")))
    return rows


def test_procedures_parse_and_are_complete():
    records = _records()
    assert len(records) >= 25
    codes = [r["code"] for r in records]
    assert len(codes) == len(set(codes)), "duplicate codes"
    for r in records:
        assert CODE_RE.match(r["code"]), r["code"]
        assert r["name"].strip(), r["code"]
        for s in _strings(r):
            assert _nfc(s), (r["code"], s)
        p = Procedure.from_dict(r)
        assert p.steps and p.channels and p.dossier, r["code"]
        assert p.processing_time, r["code"]
        assert all(c.channel for c in p.channels), r["code"]
        assert all(i.name.strip() for i in p.dossier), r["code"]


def test_procedures_cover_the_shapes_the_app_handles():
    records = _records()
    items = [i for r in records for i in r["dossier"]]
    assert any(i.get("group") == "Giấy tờ phải xuất trình" for i in items)
    assert any(i["original"] == 0 and i["copy"] == 0 for i in items), "a note line"
    thuong_tru = next(r for r in records if r["code"] == "1.004222")
    assert len({i["group"] for i in thuong_tru["dossier"]}) >= 4
    times = {r["processing_time"] for r in records}
    assert "1" in times and "30 ngày" in times and "10 - 15 ngày" in times
    assert any("sau 15 giờ" in t for t in times)
    assert any(t.endswith("giờ làm việc") for t in times)


def test_calendar_dates():
    cal = json.loads(SOURCE.joinpath("calendar.json").read_text(encoding="utf-8"))
    assert cal["year"] == 2026
    seen = set()
    for kind in ("holidays", "workdays"):
        for day in cal[kind]:
            d = dt.date.fromisoformat(day["date"])
            assert 2026 <= d.year <= 2027, day
            assert day["name"].strip() and _nfc(day["name"]), day
            assert day["date"] not in seen, day
            seen.add(day["date"])
    for day in cal["workdays"]:
        assert dt.date.fromisoformat(day["date"]).weekday() >= 5, day
    assert "2026-01-01" in {h["date"] for h in cal["holidays"]}


@pytest.mark.parametrize("name", ["abbreviations.tsv", "synonyms.tsv"])
def test_tsv_tables(name):
    rows = _table_rows(SEARCH / name)
    assert rows
    seen = set()
    for n, cols in rows:
        assert len(cols) == 2, f"{name}:{n} needs 2 columns"
        phrase, expansion = (c.strip() for c in cols)
        assert phrase and expansion, f"{name}:{n}"
        key = phrase.casefold()
        assert key not in seen, f"{name}:{n} duplicate phrase {phrase!r}"
        seen.add(key)


def test_alias_tables():
    """Every alias table is code<TAB>alias; a pair is in one table only, once."""
    seen = set()
    for table in ALIAS_TABLES.values():
        rows = _table_rows(SEARCH / table)
        assert rows
        for n, cols in rows:
            assert len(cols) == 2, f"{table}:{n} needs 2 columns"
            code, alias = (c.strip() for c in cols)
            assert CODE_RE.match(code), f"{table}:{n} {code!r} is no procedure code"
            assert alias, f"{table}:{n} empty alias"
            assert (code, alias.casefold()) not in seen, f"{table}:{n} duplicate"
            seen.add((code, alias.casefold()))


@pytest.mark.shared
@pytest.mark.parametrize("table", ALIAS_TABLES.values())
def test_aliases_name_real_procedures(corpus, table):
    national = {json.loads(line)["code"] for line in
                corpus.joinpath("procedures.jsonl").read_text(encoding="utf-8").splitlines()}
    unknown = {cols[0].strip() for _, cols in _table_rows(SEARCH / table)} - national
    assert not unknown


def test_no_phrase_in_both_tables():
    abbrevs = {c[0].strip().casefold() for _, c in _table_rows(SEARCH / "abbreviations.tsv")}
    synonyms = {c[0].strip().casefold() for _, c in _table_rows(SEARCH / "synonyms.tsv")}
    assert not abbrevs & synonyms


def test_stopwords():
    rows = [" ".join(cols[0].split()) for _, cols in _table_rows(SEARCH / "stopwords.txt")]
    assert rows
    assert len(rows) == len(set(rows)), "duplicate stopwords"
    assert not FORBIDDEN_STOPWORDS & set(rows)


def test_pack_synonyms():
    pairs = json.loads(SOURCE.joinpath("synonyms.json").read_text(encoding="utf-8"))
    for p in pairs:
        assert p["phrase"].strip() and p["expansion"].strip() and _nfc(p["phrase"] + p["expansion"])


def test_pack_synonyms_are_unique_and_in_the_national_tables():
    """The built-in tables are a superset of the demo pack's synonyms (same expansion)."""
    pairs = json.loads(SOURCE.joinpath("synonyms.json").read_text(encoding="utf-8"))
    phrases = [p["phrase"].casefold() for p in pairs]
    assert len(phrases) == len(set(phrases)), "duplicate pack synonym"
    national = {}
    for name in ("abbreviations.tsv", "synonyms.tsv"):
        for _, cols in _table_rows(SEARCH / name):
            national[cols[0].strip().casefold()] = cols[1].strip()
    for p in pairs:
        assert national.get(p["phrase"].casefold()) == p["expansion"], p


@pytest.mark.shared
def test_codes_names_and_weights_come_from_the_national_list(corpus):
    national = {}
    for line in corpus.joinpath("procedures.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        national[r["code"]] = r
    for r in _records():
        n = national.get(r["code"])
        assert n is not None, f"{r['code']} is not a real procedure code"
        assert r.get("weight") == n.get("weight"), r["code"]
        assert r["name"] in (n["name"], n.get("detail_name")), r["code"]
