"""The local procedure store: installed packs, their procedures, tokens and the search index.

One SQLite file (``store.db`` in the data folder) in WAL mode with ``synchronous=FULL``.
Installing or uninstalling a pack is one transaction that also rewrites the search index blob,
so a crash or kill at any moment leaves either the old packs and index or the new ones.
Intake sessions live in their own file (``knowledge.intake``) so an install never blocks a save.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from sqlite_utils import Database

from knowledge import paths
from knowledge.errors import NotFound, PackVersionRefused, StoreCorrupt
from knowledge.migrations import migrations
from knowledge.model import Procedure, split_levels
from knowledge.progress import ProgressFn, check_cancel, report
from knowledge.search import ALIAS_TABLES, INDEX_FORMAT, IndexDoc, SearchIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstalledPack:
    pack_id: str
    title: str
    version: int
    created: str
    publisher: str | None
    signer: str | None
    installed_at: str
    procedures: int


@dataclass(frozen=True)
class ProcedureSummary:
    """A row of the lookup pane."""

    code: str
    name: str
    field: str | None
    level: str | None
    weight: int | None
    pack_id: str
    has_detail: bool


@dataclass(frozen=True)
class InstallResult:
    pack_id: str
    version: int
    previous_version: int | None
    added: list[str]
    changed: list[str]
    removed: list[str]
    procedures: int
    seconds: float
    changed_fields: dict[str, list[str]] = field(default_factory=dict)
    """For each changed code, the record fields that changed (for the packs dialog)."""

    def summary_vi(self) -> str:
        """What changed, for the clerk: "3 thủ tục mới, 5 thủ tục thay đổi"."""
        parts = [f"{len(self.added)} thủ tục mới"]
        if self.changed:
            parts.append(f"{len(self.changed)} thủ tục thay đổi")
        if self.removed:
            parts.append(f"{len(self.removed)} thủ tục bị bỏ")
        return f"Đã cài gói {self.pack_id} phiên bản {self.version}: " + ", ".join(parts) + "."


class Store:
    """An open store. Use one per thread: a connection never crosses threads."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        try:
            if readonly:
                conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)
            else:
                conn = sqlite3.connect(str(self.path), timeout=30)
            self.db = Database(conn)
            if not readonly:
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=FULL")
                migrations.apply(self.db)
                self._refresh_stale_index()
        except sqlite3.DatabaseError as e:
            raise StoreCorrupt(
                f"Không mở được kho dữ liệu thủ tục ({self.path.name}). Hãy báo cho quản trị.",
                f"cannot open store {self.path}: {e}",
            ) from e
        self._thread = threading.get_ident()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------- reading
    def packs(self) -> list[InstalledPack]:
        rows = self.db.query(
            "select pack_id, title, version, created, publisher, signer, installed_at, procedures"
            " from packs order by seq"
        )
        return [InstalledPack(**r) for r in rows]

    def pack(self, pack_id: str) -> InstalledPack | None:
        for p in self.packs():
            if p.pack_id == pack_id:
                return p
        return None

    def procedure(self, code: str, pack_id: str | None = None) -> Procedure:
        """The full record of ``code`` (from the most recently installed pack that has it)."""
        sql = ("select p.record from procedures p join packs k on k.pack_id = p.pack_id"
               " where p.code = ?")
        args: list[Any] = [code]
        if pack_id:
            sql += " and p.pack_id = ?"
            args.append(pack_id)
        rows = list(self.db.query(sql + " order by k.seq desc limit 1", args))
        if not rows:
            raise NotFound(f"Không có thủ tục mã {code} trong các gói đã cài.",
                           f"procedure {code} not found")
        return Procedure.from_dict(json.loads(rows[0]["record"]))

    def browse(self, *, field: str | None = None, level: str | None = None,
               audience: str | None = None, pack_id: str | None = None,
               limit: int = 200, offset: int = 0) -> list[ProcedureSummary]:
        """Procedures for the lookup pane, most used first (then by code)."""
        where, args = ["p.pack_id = (select p2.pack_id from procedures p2 join packs k2"
                       " on k2.pack_id = p2.pack_id where p2.code = p.code"
                       " order by k2.seq desc limit 1)"], []
        if field:
            where.append("p.field = ?")
            args.append(field)
        if level:
            where.append("(',' || replace(lower(p.level), ', ', ',') || ',') like ?")
            args.append(f"%,{level.lower()},%")
        if audience:
            where.append("exists (select 1 from json_each(p.audience) where value = ?)")
            args.append(audience)
        if pack_id:
            where.append("p.pack_id = ?")
            args.append(pack_id)
        sql = (
            "select p.code, p.name, p.field, p.level, p.weight, p.pack_id, p.has_detail"
            " from procedures p where " + " and ".join(where)
            + " order by coalesce(p.weight, -1) desc, p.code limit ? offset ?"
        )
        rows = self.db.query(sql, args + [limit, offset])
        return [ProcedureSummary(r["code"], r["name"], r["field"], r["level"], r["weight"],
                                 r["pack_id"], bool(r["has_detail"])) for r in rows]

    def facets(self) -> dict[str, list[str]]:
        """Distinct fields, levels, audiences and packs, for the lookup pane's filters."""
        fields = [r["field"] for r in self.db.query(
            "select distinct field from procedures where field is not null order by field")]
        levels: set[str] = set()
        for r in self.db.query("select distinct level from procedures where level is not null"):
            levels.update(split_levels(r["level"]))
        audience = [r["value"] for r in self.db.query(
            "select distinct value from procedures, json_each(procedures.audience) order by value")]
        packs = [p.pack_id for p in self.packs()]
        return {"field": fields, "level": sorted(levels), "audience": audience, "pack": packs}

    def count(self) -> int:
        return self.db.execute("select count(distinct code) from procedures").fetchone()[0]

    def synonyms(self) -> list[tuple[str, str]]:
        return [(r["phrase"], r["expansion"]) for r in self.db.query(
            "select s.phrase, s.expansion from synonyms s join packs k on k.pack_id = s.pack_id"
            " order by k.seq")]

    def calendar(self) -> dict[str, list[dict[str, str]]]:
        """All packs' calendars merged, in the pack calendar JSON shape."""
        out: dict[str, list[dict[str, str]]] = {"holidays": [], "workdays": []}
        for r in self.db.query("select distinct date, kind, name from calendar order by date"):
            out["holidays" if r["kind"] == "holiday" else "workdays"].append(
                {"date": r["date"], "name": r["name"]})
        return out

    def load_index(self) -> SearchIndex:
        """The search index as last built, with built-in and pack synonyms applied."""
        rows = list(self.db.query("select blob from search_index where id = 1"))
        index = SearchIndex.from_bytes(rows[0]["blob"]) if rows else SearchIndex.build([])
        index.set_stopwords(builtin_stopwords())
        index.set_synonyms(builtin_synonyms() + self.synonyms())
        return index

    def integrity_check(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]

    def get_state(self, key: str) -> Any:
        rows = list(self.db.query("select value from state where key = ?", [key]))
        return json.loads(rows[0]["value"]) if rows else None

    def set_state(self, key: str, value: Any) -> None:
        with self.db.atomic():
            self.db["state"].upsert({"key": key, "value": json.dumps(value, ensure_ascii=False)},
                                    pk="key")

    # ----------------------------------------------------------------------------- writing
    def _refresh_stale_index(self) -> None:
        """Rebuild an index blob written by an older motcua (another INDEX_FORMAT, or another
        alias table: ``aliases_digest``)."""
        rows = list(self.db.query("select format, aliases from search_index where id = 1"))
        if rows and (rows[0]["format"], rows[0]["aliases"]) != (INDEX_FORMAT, aliases_digest()):
            t = time.perf_counter()
            with self.db.atomic():
                docs = self._rebuild_index()
            log.info("search index rebuilt for format %s and the current aliases: %d procedures"
                     " in %.2fs", INDEX_FORMAT, docs, time.perf_counter() - t)

    def _rebuild_index(self) -> int:
        """Rebuild the search index blob from every installed pack's tokens (in-transaction)."""
        rows = self.db.query(
            "select p.pack_id, p.code, p.name, p.field, p.level, p.audience, p.weight,"
            " t.name as name_tokens, t.body as body_tokens"
            " from procedures p join tokens t on t.pack_id = p.pack_id and t.code = p.code"
            " join packs k on k.pack_id = p.pack_id order by k.seq desc, p.code"
        )
        tables = {f: builtin_aliases(table) for f, table in ALIAS_TABLES.items()}
        seen: set[str] = set()
        docs: list[IndexDoc] = []
        for r in rows:
            if r["code"] in seen:  # the most recently installed pack wins a shared code
                continue
            seen.add(r["code"])
            docs.append(IndexDoc(
                code=r["code"], name=r["name"], name_tokens=r["name_tokens"].split(),
                body_tokens=r["body_tokens"].split(), weight=r["weight"], field=r["field"],
                levels=split_levels(r["level"]), audience=json.loads(r["audience"] or "[]"),
                pack_id=r["pack_id"],
                aliases={f: by_code.get(r["code"], ()) for f, by_code in tables.items()},
            ))
        docs.sort(key=lambda d: d.code)
        index = SearchIndex.build(docs)
        self.db["search_index"].upsert(
            {"id": 1, "built_at": _now(), "docs": len(docs), "blob": index.to_bytes(),
             "format": INDEX_FORMAT, "aliases": aliases_digest()}, pk="id")
        return len(docs)


def open_store(home: Path | str | None = None, *, readonly: bool = False) -> Store:
    """Open (and migrate) the store in the data folder."""
    return Store(paths.store_path(paths.home(home)), readonly=readonly)


def install_loaded(*, store: Store, pack: Any, progress: ProgressFn | None = None,
                   cancel: threading.Event | None = None) -> InstallResult:
    """Install an already verified pack (``knowledge.packs.verify.read_pack``'s result).

    Raises:
        PackVersionRefused: the same pack id is installed with an equal or newer version.
    """
    t0 = time.perf_counter()
    m = pack.manifest
    check_cancel(cancel)
    existing = store.pack(m.pack_id)
    if existing is not None and existing.version >= m.version:
        raise PackVersionRefused(
            f"Gói {m.pack_id} phiên bản {m.version} không mới hơn phiên bản đã cài "
            f"({existing.version}); không cài.",
            f"pack {m.pack_id} v{m.version} <= installed v{existing.version}",
        )
    old = {r["code"]: r["record"] for r in store.db.query(
        "select code, record from procedures where pack_id = ?", [m.pack_id])}
    tokens = {code: (name, body) for code, name, body in pack.tokens}
    total = len(pack.procedures)
    new_records: dict[str, str] = {}
    with store.db.atomic():
        db = store.db
        db.execute("delete from procedures where pack_id = ?", [m.pack_id])
        db.execute("delete from tokens where pack_id = ?", [m.pack_id])
        db.execute("delete from synonyms where pack_id = ?", [m.pack_id])
        db.execute("delete from calendar where pack_id = ?", [m.pack_id])
        seq = db.execute("select coalesce(max(seq), 0) + 1 from packs").fetchone()[0]
        db["packs"].upsert({
            "pack_id": m.pack_id, "title": m.title, "version": m.version, "created": m.created,
            "publisher": m.publisher, "signer": pack.signer, "installed_at": _now(), "seq": seq,
            "procedures": total, "manifest": json.dumps(_manifest_dict(m), ensure_ascii=False),
        }, pk="pack_id")
        proc_rows, token_rows = [], []
        for i, p in enumerate(pack.procedures):
            record = json.dumps(p.to_dict(), ensure_ascii=False, sort_keys=True)
            new_records[p.code] = record
            proc_rows.append((m.pack_id, p.code, p.name, p.field, p.level,
                              json.dumps(p.audience, ensure_ascii=False), p.weight,
                              int(p.has_detail), record))
            name_t, body_t = tokens.get(p.code, ((), ()))
            token_rows.append((m.pack_id, p.code, " ".join(name_t), " ".join(body_t)))
            if i % 1000 == 0:
                check_cancel(cancel)
                report(progress, i, total + 1, "Đang ghi thủ tục")
        db.conn.executemany("insert into procedures (pack_id, code, name, field, level, audience,"
                            " weight, has_detail, record) values (?,?,?,?,?,?,?,?,?)", proc_rows)
        db.conn.executemany("insert into tokens (pack_id, code, name, body) values (?,?,?,?)",
                            token_rows)
        db.conn.executemany("insert into synonyms (pack_id, phrase, expansion) values (?,?,?)",
                            [(m.pack_id, s["phrase"], s["expansion"]) for s in pack.synonyms or []])
        cal = pack.calendar or {}
        db.conn.executemany(
            "insert into calendar (pack_id, date, kind, name) values (?,?,?,?)",
            [(m.pack_id, h["date"], "holiday", h.get("name", "")) for h in cal.get("holidays", [])]
            + [(m.pack_id, w["date"], "workday", w.get("name", "")) for w in cal.get("workdays", [])],
        )
        check_cancel(cancel)
        report(progress, total, total + 1, "Đang dựng chỉ mục tìm kiếm")
        store._rebuild_index()
    report(progress, total + 1, total + 1, "Xong")
    added = sorted(set(new_records) - set(old))
    removed = sorted(set(old) - set(new_records))
    changed = sorted(c for c in set(old) & set(new_records) if old[c] != new_records[c])
    changed_fields = {}
    for c in changed:
        a, b = json.loads(old[c]), json.loads(new_records[c])
        changed_fields[c] = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    result = InstallResult(m.pack_id, m.version, existing.version if existing else None,
                           added, changed, removed, total, time.perf_counter() - t0,
                           changed_fields)
    log.info("installed pack %s v%s: %d procedures, +%d ~%d -%d in %.2fs", m.pack_id, m.version,
             total, len(added), len(changed), len(removed), result.seconds)
    return result


def install_pack(*, store: Store, pack_path: Path | str, trusted: Sequence[Any],
                 allow_unsigned: bool = False, progress: ProgressFn | None = None,
                 cancel: threading.Event | None = None) -> InstallResult:
    """Verify a pack file and install it in one transaction.

    Raises:
        PackInvalid, PackSignatureBad: the file is refused (nothing is changed).
        PackVersionRefused: not newer than the installed version.
    """
    from knowledge.packs.verify import read_pack

    report(progress, 0, 1, "Đang kiểm tra gói")
    loaded = read_pack(Path(pack_path), trusted=trusted, allow_unsigned=allow_unsigned)
    return install_loaded(store=store, pack=loaded, progress=progress, cancel=cancel)


def uninstall_pack(*, store: Store, pack_id: str) -> None:
    """Remove a pack and rebuild the index, in one transaction."""
    if store.pack(pack_id) is None:
        raise NotFound(f"Gói {pack_id} chưa được cài.", f"pack {pack_id} not installed")
    with store.db.atomic():
        for table in ("procedures", "tokens", "synonyms", "calendar", "packs"):
            store.db.execute(f"delete from {table} where pack_id = ?", [pack_id])
        store._rebuild_index()
    log.info("uninstalled pack %s", pack_id)


def builtin_synonyms() -> list[tuple[str, str]]:
    """The counter abbreviations and colloquial names shipped in ``resources/search``."""
    out: list[tuple[str, str]] = []
    for name in ("abbreviations.tsv", "synonyms.tsv"):
        out.extend(read_tsv(paths.resource("search", name)))
    return out


def builtin_aliases(table: str) -> dict[str, list[str]]:
    """How people ask for procedures (an alias table of ``resources/search``: code, phrase),
    by code."""
    by_code: dict[str, list[str]] = {}
    for code, phrase in read_tsv(paths.resource("search", table)):
        by_code.setdefault(code, []).append(phrase)
    return by_code


def aliases_digest() -> str:
    """The alias tables' digest, checked at every open (the index is rebuilt when it changes):
    hashing them takes about a millisecond, parsing them about 20."""
    digest = hashlib.sha256()
    for table in ALIAS_TABLES.values():
        path = paths.resource("search", table)
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:16]


def builtin_stopwords() -> list[str]:
    """Filler and question words (``resources/search/stopwords.txt``)."""
    path = paths.resource("search", "stopwords.txt")
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip() and not w.lstrip().startswith("#")]


def read_tsv(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip() and parts[1].strip():
            pairs.append((parts[0].strip(), parts[1].strip()))
    return pairs


def _manifest_dict(m: Any) -> dict:
    from dataclasses import asdict, is_dataclass

    return asdict(m) if is_dataclass(m) else dict(m)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
