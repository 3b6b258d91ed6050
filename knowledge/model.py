"""Plain data for procedures and their parts, as stored in packs and shown to the clerk."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from dataclasses import field as dc_field
from typing import Any

CODE_RE = re.compile(r"^[0-9]\.[0-9]{6}(\.[0-9A-Za-z]+)*$")
"""A procedure code: ``1.001612``, ``2.000908.H19``, ``1.005461.000.00.00.H36``."""


@dataclass
class Channel:
    """One way to submit (Trực tiếp / Trực tuyến / Dịch vụ bưu chính) with its time and fee."""

    channel: str
    time: str | None = None
    fees: str | None = None
    note: str | None = None


@dataclass
class DossierItem:
    """One line of thành phần hồ sơ. ``group`` is the case or heading it sits under."""

    name: str
    original: int = 0
    copy: int = 0
    copies_text: str | None = None
    form: str | None = None
    group: str | None = None


@dataclass
class LegalRef:
    title: str
    code: str | None = None


@dataclass
class Procedure:
    """A procedure record. Only ``code`` and ``name`` are required; the rest may be empty."""

    code: str
    name: str
    weight: int | None = None
    audience: list[str] = dc_field(default_factory=list)
    field: str | None = None
    level: str | None = None
    agency: str | None = None
    competent_authority: str | None = None
    target: str | None = None
    procedure_type: str | None = None
    decision: str | None = None
    processing_time: str | None = None
    channels: list[Channel] = dc_field(default_factory=list)
    fees: list[str] = dc_field(default_factory=list)
    steps: list[str] = dc_field(default_factory=list)
    dossier: list[DossierItem] = dc_field(default_factory=list)
    quantity: str | None = None
    requirements: str | None = None
    legal_basis: list[LegalRef] = dc_field(default_factory=list)
    result: str | None = None
    result_code: str | None = None
    address: str | None = None
    source_url: str | None = None

    @property
    def has_detail(self) -> bool:
        return bool(self.dossier or self.steps or self.channels)

    @property
    def levels(self) -> list[str]:
        """Normalised levels: ``"Cấp bộ, Cấp Tỉnh"`` → ``["Cấp bộ", "Cấp tỉnh"]``."""
        return split_levels(self.level)

    def to_dict(self) -> dict[str, Any]:
        """The pack's normalised JSON form (empty values dropped)."""
        d = asdict(self)
        return {k: v for k, v in d.items() if v not in (None, [], "")}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Procedure":
        """Read the normalised form written by :meth:`to_dict` (trusted input)."""
        d = dict(d)
        d["channels"] = [Channel(**c) for c in d.get("channels", [])]
        d["dossier"] = [DossierItem(**i) for i in d.get("dossier", [])]
        d["legal_basis"] = [LegalRef(**r) for r in d.get("legal_basis", [])]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in d.items() if k in known})


def split_levels(level: str | None) -> list[str]:
    if not level:
        return []
    out: list[str] = []
    for part in level.split(","):
        part = part.strip()
        if part:
            part = part[0].upper() + part[1:].lower()
            if part not in out:
                out.append(part)
    return out
