"""What changed between two versions of a pack: procedures added, removed, changed, and how."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.packs.format import LoadedPack


@dataclass
class ProcedureChange:
    code: str
    name: str
    fields: list[str]
    dossier_added: list[str] = field(default_factory=list)
    dossier_removed: list[str] = field(default_factory=list)


@dataclass
class PackDiff:
    added: list[str]
    removed: list[str]
    changed: list[ProcedureChange]

    def summary_vi(self) -> str:
        return (f"{len(self.added)} thủ tục mới, {len(self.changed)} thủ tục thay đổi, "
                f"{len(self.removed)} thủ tục bị bỏ.")


def diff_packs(old: LoadedPack, new: LoadedPack) -> PackDiff:
    before = {p.code: p for p in old.procedures}
    after = {p.code: p for p in new.procedures}
    changed = []
    for code in sorted(set(before) & set(after)):
        a, b = before[code].to_dict(), after[code].to_dict()
        fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        if not fields:
            continue
        names_a = [d.name for d in before[code].dossier]
        names_b = [d.name for d in after[code].dossier]
        changed.append(ProcedureChange(
            code, after[code].name, fields,
            dossier_added=[n for n in names_b if n not in names_a],
            dossier_removed=[n for n in names_a if n not in names_b]))
    return PackDiff(sorted(set(after) - set(before)), sorted(set(before) - set(after)), changed)
