"""``motcua-pack``: the supervisors' command line (build, sign, verify, publish, install, search).

Every command takes ``--home DIR`` (default: ``$MOTCUA_HOME`` or the per-user data folder).
An expected error prints one line ``lỗi: …`` on stderr (English detail in the log) and exits
with 2 (bad input, refused pack) or 1 (anything else).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from knowledge import __version__, paths
from knowledge.errors import (
    Cancelled,
    MotcuaError,
    NotFound,
    PackInvalid,
    PackVersionRefused,
)
from knowledge.progress import Progress

log = logging.getLogger("motcua.cli")
MAX_WARNINGS_SHOWN = 20
_BAD_INPUT = (PackInvalid, PackVersionRefused, NotFound)
"""Errors that exit with 2 (the input is wrong or refused); other ``MotcuaError``s exit with 1."""
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    COMMANDS[fn.__name__.removeprefix("cmd_")] = fn
    return fn


def _home(args: argparse.Namespace) -> Path:
    return paths.home(args.home)


def _trusted(args: argparse.Namespace) -> list:
    from knowledge.settings import load_settings, trusted_keys

    return trusted_keys(load_settings(_home(args)), extra=[Path(p) for p in args.trust or []])


def _bar(what: str) -> Callable[[Progress], None]:
    def show(p: Progress) -> None:
        if sys.stderr.isatty() or p.done == p.total:
            width = 30
            filled = width * p.done // max(p.total, 1)
            sys.stderr.write(f"\r{p.what or what}: [{'#' * filled}{'.' * (width - filled)}]"
                             f" {p.done}/{p.total}   ")
            if p.done >= p.total:
                sys.stderr.write("\n")
            sys.stderr.flush()
    return show


def _print_json(data: object) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=1, default=str))


@command
def cmd_keygen(args: argparse.Namespace) -> int:
    from knowledge.packs.keys import generate_key, key_id, load_public

    pub = generate_key(Path(args.out))
    print(f"Đã tạo khoá {args.out} và {pub} (mã khoá {key_id(load_public(pub))}).")
    return 0


@command
def cmd_build(args: argparse.Namespace) -> int:
    from knowledge.packs.build import build_pack

    r = build_pack(source=Path(args.source), out=Path(args.out), pack_id=args.id,
                   version=args.version, key_path=Path(args.key), title=args.title,
                   publisher=args.publisher, progress=_bar("Đang dựng gói"),
                   synonyms=Path(args.synonyms) if args.synonyms else None,
                   calendar=Path(args.calendar) if args.calendar else None)
    for p in r.problems[:MAX_WARNINGS_SHOWN]:
        print(f"cảnh báo: {p.message_vi}", file=sys.stderr)
    if len(r.problems) > MAX_WARNINGS_SHOWN:
        print(f"cảnh báo: … và {len(r.problems) - MAX_WARNINGS_SHOWN} cảnh báo khác (xem tệp nhật ký"
              " motcua-pack.log).", file=sys.stderr)
    print(f"Đã dựng {r.path}: {r.counts['procedures']} thủ tục "
          f"({r.counts['with_detail']} có đủ thông tin) trong {r.seconds:.1f} giây.")
    return 0


@command
def cmd_verify(args: argparse.Namespace) -> int:
    from knowledge.packs.verify import verify_pack

    m = verify_pack(Path(args.pack), trusted=_trusted(args), allow_unsigned=args.allow_unsigned)
    print(f"Gói hợp lệ: {m.pack_id} phiên bản {m.version}, {m.counts.get('procedures')} thủ tục.")
    return 0


@command
def cmd_info(args: argparse.Namespace) -> int:
    from knowledge.packs.verify import verify_pack

    m = verify_pack(Path(args.pack), trusted=[], allow_unsigned=True) if args.unchecked else \
        verify_pack(Path(args.pack), trusted=_trusted(args), allow_unsigned=args.allow_unsigned)
    if args.json:
        _print_json(asdict(m))
    else:
        print(f"{m.pack_id} phiên bản {m.version}: {m.title}\n"
              f"  tạo lúc {m.created}, bởi {m.publisher or '—'}\n"
              f"  {m.counts.get('procedures')} thủ tục ({m.counts.get('with_detail')} có đủ thông"
              f" tin), {m.counts.get('synonyms')} từ đồng nghĩa, {m.counts.get('holidays')}"
              f" ngày nghỉ\n  tách từ: {m.tokenizer}")
    return 0


@command
def cmd_diff(args: argparse.Namespace) -> int:
    from knowledge.packs.diff import diff_packs
    from knowledge.packs.verify import read_pack

    trusted = _trusted(args)
    d = diff_packs(read_pack(Path(args.old), trusted=trusted, allow_unsigned=args.allow_unsigned),
                   read_pack(Path(args.new), trusted=trusted, allow_unsigned=args.allow_unsigned))
    if args.json:
        _print_json(asdict(d))
        return 0
    print(d.summary_vi())
    for code in d.added:
        print(f"+ {code}")
    for code in d.removed:
        print(f"- {code}")
    for c in d.changed:
        print(f"~ {c.code} {c.name}: {', '.join(c.fields)}")
        for n in c.dossier_added:
            print(f"    + hồ sơ: {n}")
        for n in c.dossier_removed:
            print(f"    - hồ sơ: {n}")
        for n in c.dossier_changed:
            print(f"    ~ hồ sơ: {n}")
    if d.synonyms_changed:
        print("~ từ đồng nghĩa")
    if d.calendar_changed:
        print("~ lịch ngày nghỉ")
    return 0


@command
def cmd_install(args: argparse.Namespace) -> int:
    from knowledge.store import install_pack, open_store

    with open_store(_home(args)) as store:
        r = install_pack(store=store, pack_path=Path(args.pack), trusted=_trusted(args),
                         allow_unsigned=args.allow_unsigned, progress=_bar("Đang cài gói"))
    print(r.summary_vi())
    return 0


@command
def cmd_uninstall(args: argparse.Namespace) -> int:
    from knowledge.store import open_store, uninstall_pack

    with open_store(_home(args)) as store:
        uninstall_pack(store=store, pack_id=args.id)
    print(f"Đã gỡ gói {args.id}.")
    return 0


@command
def cmd_list(args: argparse.Namespace) -> int:
    from knowledge.store import open_store

    with open_store(_home(args)) as store:
        packs = store.packs()
    if args.json:
        _print_json([asdict(p) for p in packs])
    elif not packs:
        print("Chưa cài gói nào.")
    for p in packs if not args.json else []:
        print(f"{p.pack_id}\tphiên bản {p.version}\t{p.procedures} thủ tục\t{p.title}")
    return 0


@command
def cmd_status(args: argparse.Namespace) -> int:
    from knowledge.store import open_store
    from knowledge.sync import status

    with open_store(_home(args)) as store:
        data = status(store)
    if args.json:
        _print_json(data)
    else:
        for p in data["packs"]:
            print(f"{p['pack_id']} phiên bản {p['version']} ({p['procedures']} thủ tục)")
        last = data["last_sync"]
        print(f"Lần đồng bộ gần nhất: {last['finished']} — {last['message_vi']}" if last
              else "Chưa đồng bộ lần nào.")
        if data["last_refused"]:
            r = data["last_refused"]
            print(f"Gói bị từ chối gần nhất: {r['pack_id']} ({r['file']}): {r['reason_vi']}")
    return 0


@command
def cmd_search(args: argparse.Namespace) -> int:
    from knowledge.store import open_store

    with open_store(_home(args)) as store:
        index = store.load_index()
    if args.queries:
        lines = Path(args.queries).read_text(encoding="utf-8").splitlines()
        for line in lines:
            if not line.strip():
                continue
            query = json.loads(line)["query"]
            hits = index.search(query, k=args.k)
            print(json.dumps({"query": query, "results": [
                {"code": h.code, "name": h.name, "score": round(h.score, 4)} for h in hits]},
                ensure_ascii=False))
        return 0
    if not args.query:
        raise MotcuaError("Hãy nhập câu tìm kiếm hoặc --queries TỆP.", "no query")
    hits = index.search(args.query, k=args.k)
    if args.json:
        _print_json([{"code": h.code, "name": h.name, "score": round(h.score, 4),
                      "matched": h.matched} for h in hits])
    elif not hits:
        print("Không tìm thấy thủ tục phù hợp.")
    for i, h in enumerate(hits if not args.json else [], start=1):
        print(f"{i:>2}. {h.code:<14} {h.name}")
    return 0


@command
def cmd_publish(args: argparse.Namespace) -> int:
    from knowledge.sync import publish

    r = publish(pack_path=Path(args.pack), share=Path(args.share), trusted=_trusted(args),
                keep=args.keep, allow_unsigned=args.allow_unsigned)
    print(f"Đã phát hành {r.pack_id} phiên bản {r.version} lên {r.path}."
          + (f" Đã xoá bản cũ: {', '.join(r.removed)}." if r.removed else ""))
    return 0


@command
def cmd_sync(args: argparse.Namespace) -> int:
    from knowledge.settings import load_settings
    from knowledge.store import open_store
    from knowledge.sync import sync

    home = _home(args)
    settings = load_settings(home)
    share = args.share or settings.share_path
    if not share:
        raise MotcuaError("Chưa cấu hình thư mục chia sẻ: dùng --share hoặc [share] path.",
                          "no share configured")
    with open_store(home) as store:
        r = sync(store=store, home=home, share=Path(share), trusted=_trusted(args),
                 timeout=settings.timeout_seconds, progress=_bar("Đang đồng bộ"))
    if not r.ok:
        # The share is down or unreadable: try again later (1), unlike a refused pack (2),
        # which waits for the supervisor to act.
        log.error("sync failed: %s", r.error_vi)
        print(f"lỗi: {r.message_vi}".replace("\n", " "), file=sys.stderr)
        return 1
    print(r.message_vi)
    return 2 if r.refused else 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="motcua-pack",
                                 description="Dựng, ký, kiểm tra, phát hành và cài gói tri thức.")
    ap.add_argument("--version", action="version", version=f"motcua-pack {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help="thư mục dữ liệu (mặc định: MOTCUA_HOME hoặc thư mục người dùng)")
    trust = argparse.ArgumentParser(add_help=False)
    trust.add_argument("--trust", action="append", metavar="KEY.pub", help="khoá công khai tin cậy")
    trust.add_argument("--allow-unsigned", action="store_true", help="chấp nhận gói chưa ký")
    sub = ap.add_subparsers(dest="command", required=True)

    def add(name: str, help_: str, *parents: argparse.ArgumentParser) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_, parents=[common, *parents])

    p = add("keygen", "tạo cặp khoá ký")
    p.add_argument("--out", required=True)
    p = add("build", "dựng gói từ tệp JSONL hoặc thư mục nguồn")
    p.add_argument("source")
    p.add_argument("--out", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--version", type=int, required=True)
    p.add_argument("--title")
    p.add_argument("--publisher")
    p.add_argument("--key", required=True, help="khoá ký riêng (tạo bằng keygen)")
    p.add_argument("--synonyms", metavar="FILE.json", help="bảng từ đồng nghĩa (thay synonyms.json)")
    p.add_argument("--calendar", metavar="FILE.json", help="lịch ngày nghỉ (thay calendar.json)")
    p = add("verify", "kiểm tra gói", trust)
    p.add_argument("pack")
    p = add("info", "xem thông tin gói", trust)
    p.add_argument("pack")
    p.add_argument("--json", action="store_true")
    p.add_argument("--unchecked", action="store_true", help="không kiểm tra chữ ký")
    p = add("diff", "so sánh hai phiên bản gói", trust)
    p.add_argument("old")
    p.add_argument("new")
    p.add_argument("--json", action="store_true")
    p = add("install", "cài gói vào máy", trust)
    p.add_argument("pack")
    p = add("uninstall", "gỡ gói")
    p.add_argument("id")
    p = add("list", "liệt kê gói đã cài")
    p.add_argument("--json", action="store_true")
    p = add("status", "tình trạng gói và đồng bộ")
    p.add_argument("--json", action="store_true")
    p = add("search", "tìm thủ tục")
    p.add_argument("query", nargs="?")
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--json", action="store_true")
    p.add_argument("--queries", help="tệp JSONL, mỗi dòng {\"query\": …}")
    p = add("publish", "phát hành gói lên thư mục chia sẻ", trust)
    p.add_argument("pack")
    p.add_argument("share")
    p.add_argument("--keep", type=int, default=3, help="số phiên bản giữ lại")
    p = add("sync", "đồng bộ gói từ thư mục chia sẻ", trust)
    p.add_argument("--share")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = None
    try:
        handler = paths.start_log(_home(args), "motcua-pack.log")
        return COMMANDS[args.command](args)
    except MotcuaError as e:
        log.error("%s failed: %s", args.command, e.detail_en)
        # One line, even when the message lists several problems (a dialog shows them as lines).
        print(f"lỗi: {e.message_vi}".replace("\n", " "), file=sys.stderr)
        from knowledge.packs.keys import KeyFileError

        return 2 if isinstance(e, (*_BAD_INPUT, KeyFileError)) else 1
    except KeyboardInterrupt:
        log.warning("%s interrupted", args.command)
        print(f"lỗi: {Cancelled().message_vi}", file=sys.stderr)
        return 130
    except OSError as e:
        log.exception("%s failed", args.command)
        print(f"lỗi: không đọc/ghi được tệp: {e.filename or ''} ({e.strerror or e}).",
              file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - one line for the user, the traceback in the log
        log.exception("%s failed unexpectedly", args.command)
        print(f"lỗi: lỗi không mong muốn ({type(e).__name__}); chi tiết trong tệp nhật ký"
              " motcua-pack.log.", file=sys.stderr)
        return 1
    finally:
        if handler is not None:
            logging.getLogger().removeHandler(handler)
            handler.close()


if __name__ == "__main__":
    sys.exit(main())
