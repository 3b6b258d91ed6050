"""Ed25519 keys of the supervisors who sign packs, and which pack ids each key may sign."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from knowledge.errors import MotcuaError


@dataclass(frozen=True)
class TrustedKey:
    """A public key packs may be signed with; ``pack_ids`` (globs) limits what it may sign."""

    public_key: Ed25519PublicKey
    pack_ids: tuple[str, ...] | None = None

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def allows(self, pack_id: str) -> bool:
        return self.pack_ids is None or any(fnmatch.fnmatchcase(pack_id, p) for p in self.pack_ids)


def raw_public(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(pub: Ed25519PublicKey) -> str:
    """First 16 hex digits of the SHA-256 of the raw public key."""
    return hashlib.sha256(raw_public(pub)).hexdigest()[:16]


class KeyFileError(MotcuaError):
    """A key file is missing, unreadable, not Ed25519, or would be overwritten."""


def generate_key(out: Path, *, overwrite: bool = False) -> Path:
    """Write a new private key to ``out`` (PEM, owner-only) and its public half to ``out.pub``.

    Returns:
        The public key's path.

    Raises:
        KeyFileError: ``out`` or ``out.pub`` exists (a lost signing key cannot be recovered, so
            it is never replaced unless ``overwrite``).
    """
    out = Path(out)
    pub = Path(f"{out}.pub")
    if not overwrite:
        for p in (out, pub):
            if p.exists():
                raise KeyFileError(f"Tệp {p} đã có; không ghi đè khoá ký (hãy chọn tên khác).",
                                   f"{p} exists, refusing to overwrite")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    fd = os.open(out, flags, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    os.chmod(out, 0o600)  # os.open's mode does not apply to a file that already existed
    pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    return pub


def load_private(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as e:
        raise KeyFileError(f"Không đọc được khoá ký {path}.",
                           f"cannot load private key {path}: {e}") from e
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"Khoá {path} không phải khoá Ed25519.", f"{path}: not Ed25519")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError, TypeError) as e:
        raise KeyFileError(f"Không đọc được khoá công khai {path}.",
                           f"cannot load public key {path}: {e}") from e
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"Khoá {path} không phải khoá Ed25519.", f"{path}: not Ed25519")
    return key
