"""One exception tree: a Vietnamese sentence for the clerk, an English detail for the log."""

from __future__ import annotations


class MotcuaError(Exception):
    """Base of every error the core raises on purpose.

    Args:
        message_vi: what the clerk or supervisor reads (Vietnamese, one or two sentences,
            naming the file/line/code/field where that helps them act).
        detail_en: the technical detail for the log (English).
    """

    def __init__(self, message_vi: str, detail_en: str = "") -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi
        self.detail_en = detail_en or message_vi

    def __str__(self) -> str:
        return self.message_vi


class PackInvalid(MotcuaError):
    """A pack file or pack source is malformed, too large, or inconsistent."""


class PackSignatureBad(PackInvalid):
    """A pack's signature is missing, wrong, or made by a key that is not trusted."""


class PackVersionRefused(MotcuaError):
    """A pack is not newer than the installed version of the same pack id."""


class StoreCorrupt(MotcuaError):
    """The local store cannot be read or fails its integrity check."""


class NotFound(MotcuaError):
    """A procedure, pack or intake that was asked for does not exist."""


class ShareUnreachable(MotcuaError):
    """The network share cannot be listed or read."""


class SyncBusy(MotcuaError):
    """Another process holds the sync lock."""


class Cancelled(MotcuaError):
    """The user cancelled a long operation."""

    def __init__(self, message_vi: str = "Đã huỷ thao tác.", detail_en: str = "cancelled") -> None:
        super().__init__(message_vi, detail_en)
