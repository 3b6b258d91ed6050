"""The pack source: JSONL, one procedure a line, read and validated for a supervisor to act on.

Two shapes are accepted (see ``docs/pack-format.md``): the national database export as in
``shared/corpus/procedures.jsonl`` (dossier items with ``copies: {original, copy}``), and a clean
full record (dossier items with ``original`` / ``copy``, plus ``quantity``). Unknown keys are
ignored. Every problem names the file, the line, the procedure code and the field.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.errors import PackInvalid
from knowledge.model import CODE_RE, Channel, DossierItem, LegalRef, Procedure

log = logging.getLogger(__name__)

_TEXT_FIELDS = ("field", "level", "agency", "competent_authority", "target", "procedure_type",
                "decision", "processing_time", "quantity", "requirements", "result",
                "result_code", "address", "source_url")
_DETAIL_KEYS = ("steps", "channels", "dossier")


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    file: str
    line: int
    code: str | None
    field: str | None
    message_vi: str
    detail_en: str


class _Bad(Exception):
    def __init__(self, field: str, what_vi: str, detail_en: str) -> None:
        super().__init__(detail_en)
        self.field, self.what_vi, self.detail_en = field, what_vi, detail_en


def message(file: str, line: int, code: str | None, field: str | None, what: str) -> str:
    """``procedures.jsonl dòng 12 (mã 1.001612): thiếu tên thủ tục (trường "name").``"""
    where = f"{file} dòng {line}" + (f" (mã {code})" if code else "")
    return f"{where}: {what}" + (f' (trường "{field}").' if field else ".")


@dataclass
class SourceRead:
    procedures: list[Procedure]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def read_source(path: Path) -> SourceRead:
    """Read a source JSONL file, keeping every valid procedure and every problem found."""
    path = Path(path)
    name = path.name
    procedures: list[Procedure] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}

    def problem(severity: str, line: int, code: str | None, field: str | None, what: str,
                detail: str) -> None:
        problems.append(Problem(severity, name, line, code, field,
                                message(name, line, code, field, what),
                                f"{path}:{line} code={code} field={field}: {detail}"))

    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by the ``with f`` below
    except OSError as e:
        raise PackInvalid(f"Không mở được tệp nguồn {path}.", f"cannot open source {path}: {e}"
                          ) from e
    with f:
        for lineno, raw_bytes in enumerate(f, start=1):
            if lineno == 1 and raw_bytes.startswith(b"\xef\xbb\xbf"):
                raw_bytes = raw_bytes[3:]  # a BOM, as Windows editors write
            try:
                raw = raw_bytes.decode("utf-8")
            except UnicodeDecodeError as e:
                problem("error", lineno, None, None,
                        f"không phải chữ UTF-8 (byte lạ ở cột {e.start + 1}); hãy lưu tệp dạng UTF-8",
                        f"not UTF-8: {e}")
                continue
            if not raw.strip():
                continue
            try:
                data = json.loads(raw)
            except json.JSONDecodeError as e:
                problem("error", lineno, None, None, f"không đọc được JSON (lỗi ở cột {e.colno})",
                        f"bad JSON: {e}")
                continue
            if not isinstance(data, dict):
                problem("error", lineno, None, None, "mỗi dòng phải là một đối tượng JSON {…}",
                        f"line is {type(data).__name__}, not an object")
                continue
            code = data.get("code")
            if code is not None and not isinstance(code, str):
                problem("error", lineno, None, "code",
                        'mã thủ tục phải viết trong ngoặc kép, ví dụ "1.001612"',
                        f"code is {type(code).__name__}: {code!r}")
                continue
            code = code.strip() if code else None
            if not code:
                problem("error", lineno, None, "code", "thiếu mã thủ tục", "missing code")
                continue
            if not CODE_RE.match(code):
                problem("error", lineno, code, "code",
                        "mã thủ tục không đúng dạng (ví dụ đúng: 1.001612 hoặc 2.000908.H19)",
                        f"malformed code {code!r}")
                continue
            if code in seen:
                problem("error", lineno, code, "code", f"mã thủ tục trùng với dòng {seen[code]}",
                        f"duplicate code, first at line {seen[code]}")
                continue
            seen[code] = lineno
            warnings: list[_Bad] = []
            try:
                proc = parse_record(data, warnings)
            except _Bad as e:
                problem("error", lineno, code, e.field, e.what_vi, e.detail_en)
                continue
            for w in warnings:
                problem("warning", lineno, code, w.field, w.what_vi, w.detail_en)
            if any(k in data for k in _DETAIL_KEYS) and not proc.dossier:
                problem("warning", lineno, code, "dossier",
                        "thủ tục có thông tin chi tiết nhưng danh sách thành phần hồ sơ trống",
                        "full record with an empty dossier list")
            procedures.append(proc)
    # The caller shows the problems; the log keeps them at INFO (a national export has ~130).
    for p in problems:
        log.info("%s: %s", p.severity, p.detail_en)
    return SourceRead(procedures, problems)


def parse_record(d: dict[str, Any], warnings: list[_Bad] | None = None) -> Procedure:
    """Convert one source record (either shape) to a :class:`Procedure`.

    Problems that lose nothing useful (a dossier line with no name, as the national export
    has a few) are appended to ``warnings`` and the part is left out.
    """
    name = d.get("name")
    if not isinstance(name, str) or not name.strip():
        raise _Bad("name", "thiếu tên thủ tục", "missing name")
    p = Procedure(code=d["code"].strip(), name=" ".join(name.split()))
    for key in _TEXT_FIELDS:
        setattr(p, key, _text(d, key))
    weight = d.get("weight")
    if weight is not None and (not isinstance(weight, (int, float)) or isinstance(weight, bool)):
        raise _Bad("weight", "số lượt sử dụng phải là số", f"weight is {weight!r}")
    p.weight = int(weight) if weight is not None else None
    p.audience = _str_list(d, "audience")
    p.fees = _str_list(d, "fees")
    p.steps = _str_list(d, "steps")
    p.channels = [Channel(channel=_text(c, "channel", f"channels[{i}].channel") or "",
                          time=_text(c, "time", f"channels[{i}].time"),
                          fees=_text(c, "fees", f"channels[{i}].fees"),
                          note=_text(c, "note", f"channels[{i}].note"))
                  for i, c in enumerate(_obj_list(d, "channels"))]
    p.dossier = []
    for i, item in enumerate(_obj_list(d, "dossier")):
        if not _text(item, "name", f"dossier[{i}].name"):
            if warnings is not None:
                warnings.append(_Bad(f"dossier[{i}].name", "thành phần hồ sơ không có tên, đã bỏ qua",
                                     "dossier item without a name, skipped"))
            continue
        p.dossier.append(_dossier_item(item, i))
    p.legal_basis = [LegalRef(title=_text(r, "title", f"legal_basis[{i}].title") or "",
                              code=_text(r, "code", f"legal_basis[{i}].code"))
                     for i, r in enumerate(_obj_list(d, "legal_basis"))]
    return p


def _dossier_item(item: dict, i: int) -> DossierItem:
    field = f"dossier[{i}]"
    name = _text(item, "name", f"{field}.name") or ""
    copies = item.get("copies")
    if copies is not None and not isinstance(copies, dict):
        raise _Bad(f"{field}.copies", "số bản phải có dạng {\"original\": …, \"copy\": …}",
                   f"copies is {copies!r}")
    src = copies if copies is not None else item
    counts = []
    for key in ("original", "copy"):
        v = src.get(key)
        if v is None:
            v = 0
        if isinstance(v, str) and v.strip().isdigit():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise _Bad(f"{field}.{key}", "số bản chính/bản sao phải là số nguyên không âm",
                       f"{key} is {v!r}")
        counts.append(v)
    return DossierItem(name=name, original=counts[0], copy=counts[1],
                       copies_text=_text(item, "copies_text", f"{field}.copies_text"),
                       form=_text(item, "form", f"{field}.form"),
                       group=_text(item, "group", f"{field}.group"))


def _text(d: dict, key: str, field: str | None = None) -> str | None:
    v = d.get(key)
    if v is None:
        return None
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        v = str(v)  # "processing_time": 1 — keep it as the text it is
    if not isinstance(v, str):
        raise _Bad(field or key, "phải là chuỗi chữ", f"{key} is {type(v).__name__}")
    v = v.strip()
    return v or None


def _str_list(d: dict, key: str) -> list[str]:
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _Bad(key, "phải là danh sách chuỗi chữ", f"{key} is not a list of strings")
    return [x.strip() for x in v if x.strip()]


def _obj_list(d: dict, key: str) -> list[dict]:
    v = d.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _Bad(key, "phải là danh sách", f"{key} is {type(v).__name__}, not a list")
    for i, x in enumerate(v):
        if not isinstance(x, dict):
            raise _Bad(f"{key}[{i}]", "mỗi phần tử phải là một đối tượng {…}",
                       f"{key}[{i}] is {type(x).__name__}")
    return v
