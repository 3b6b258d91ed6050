"""The pack file: a zip of a manifest, procedures, tokens, optional synonyms and calendar, signed.

See ``docs/pack-format.md``. The manifest lists the SHA-256 of every other member; the
signature (Ed25519) covers the exact bytes of ``manifest.json``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from knowledge.model import Procedure

FORMAT_VERSION = 1
SUFFIX = ".mcpack"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
PROCEDURES = "procedures.jsonl"
TOKENS = "tokens.jsonl"
SYNONYMS = "synonyms.json"
CALENDAR = "calendar.json"
REQUIRED = (MANIFEST, PROCEDURES, TOKENS)
ALLOWED = (MANIFEST, SIGNATURE, PROCEDURES, TOKENS, SYNONYMS, CALENDAR)

PACK_ID_RE = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
"""A pack id: ASCII letters, digits, ``-``, ``_``, ``.``; it names a folder on the share."""

MAX_MEMBERS = 16
MAX_MEMBER_BYTES = 512 * 2**20
MAX_TOTAL_BYTES = 512 * 2**20
MAX_MANIFEST_BYTES = 1 * 2**20


@dataclass
class PackManifest:
    format_version: int
    pack_id: str
    title: str
    version: int
    created: str
    publisher: str | None
    counts: dict[str, int] = field(default_factory=dict)
    tokenizer: dict[str, Any] = field(default_factory=dict)
    members: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadedPack:
    """A verified pack, read into memory."""

    manifest: PackManifest
    procedures: list[Procedure]
    tokens: list[tuple[str, list[str], list[str]]]
    synonyms: list[dict[str, str]]
    calendar: dict | None
    signer: str | None
