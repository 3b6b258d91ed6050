"""What changed between two versions of a pack: procedures added, removed, changed, and how."""

from __future__ import annotations

from dataclasses import astuple, dataclass, field

from knowledge.model import DossierItem
from knowledge.packs.format import LoadedPack


@dataclass
class ProcedureChange:
    """One procedure present in both packs whose record differs.

    ``fields`` names the top-level keys that differ (``"name"``, ``"dossier"``, ``"fees"``…);
    the dossier lists say which documents (by name) appeared, disappeared, or kept their name
    but changed counts, form or case.
    """

    code: str
    name: str
    fields: list[str]
    dossier_added: list[str] = field(default_factory=list)
    dossier_removed: list[str] = field(default_factory=list)
    dossier_changed: list[str] = field(default_factory=list)


@dataclass
class PackDiff:
    added: list[str]
    removed: list[str]
    changed: list[ProcedureChange]
    old_version: int | None = None
    new_version: int | None = None
    synonyms_changed: bool = False
    calendar_changed: bool = False

    def summary_vi(self) -> str:
        return (f"{len(self.added)} thủ tục mới, {len(self.changed)} thủ tục thay đổi, "
                f"{len(self.removed)} thủ tục bị bỏ.")


def diff_packs(old: LoadedPack, new: LoadedPack) -> PackDiff:
    """Compare two loaded packs (normally two versions of one pack id), codes sorted."""
    before = {p.code: p for p in old.procedures}
    after = {p.code: p for p in new.procedures}
    changed = []
    for code in sorted(set(before) & set(after)):
        a, b = before[code].to_dict(), after[code].to_dict()
        fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if not fields:
            continue
        items_a = _by_name(before[code].dossier)
        items_b = _by_name(after[code].dossier)
        changed.append(ProcedureChange(
            code, after[code].name, fields,
            dossier_added=[n for n in items_b if n not in items_a],
            dossier_removed=[n for n in items_a if n not in items_b],
            dossier_changed=[n for n in items_b if n in items_a and items_a[n] != items_b[n]]))
    return PackDiff(sorted(set(after) - set(before)), sorted(set(before) - set(after)), changed,
                    old_version=old.manifest.version, new_version=new.manifest.version,
                    synonyms_changed=old.synonyms != new.synonyms,
                    calendar_changed=old.calendar != new.calendar)


def _by_name(items: list[DossierItem]) -> dict[str, list[tuple]]:
    """Dossier items grouped by name, in order (one name can recur under several cases)."""
    out: dict[str, list[tuple]] = {}
    for item in items:
        out.setdefault(item.name, []).append(astuple(item))
    return out
