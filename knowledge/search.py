"""BM25 search over procedures: an inverted index with rank-bm25's scoring, served by postings.

Scoring (per field exactly rank-bm25's ``BM25Okapi``, with ``FIELD_K1``, ``FIELD_B`` and
``FIELD_EPSILON``; each query term counts in the field where it weighs most)::

    bm25(d, q)  = sum over terms t of q of  max over name, body, alias of  w_f * bm25_f(d, t)
    score(d, q) = bm25(d, q) * (1 + PRIOR_WEIGHT * popularity(d)) * (1 + ACCENT_WEIGHT * accent(d, q))

The name and the body are indexed as separate fields so a long body never drowns a short,
names-only record, and each field keeps its own length normalisation. A name is indexed as a
set of terms (``SET_FIELDS``): repeating a word in a name does not add to it. ``popularity`` is
log(1 + weight) / log(1 + max weight) over the index (0 for records without a national count):
at most +15%, so it orders near-equal matches by how often citizens use them but never lifts a
poor match over a good one. ``accent`` is the share of an accented query's syllables found with
the same accents in the name (tone placement ignored): at most +10%, so "hộ chiếu" typed with
accents prefers the exact spelling while unaccented queries lose nothing.

Siblings, procedures named alike but for their action or level ("Cấp", "Cấp lại", "Cấp đổi",
"Gia hạn, sửa đổi … giấy phép X"), keep the places their scores won; among those places the
ones naming an action the query names (``ACTIONS``) come first, so an alias word of one sibling
("khách sạn") does not outweigh the "đổi" the citizen said.

A second stage reorders the first stage's best ``RERANK_DEPTH`` candidates by a weighed sum of
features (``RERANK_WEIGHTS``, fitted by ``bench/fit_rerank.py``): the first-stage score and
place, how much of the query the procedure's name and aliases hold (``coverage``), the query's
BM25 in the situation and broad fields alone, and popularity. The first stage lets each
word count once, where it weighs most; the second lets a procedure whose everyday descriptions
hold the whole of a citizen's question ("bác sĩ về hưu muốn mở phòng mạch tư tại nhà") beat one
whose name shares a few common words with it ("Mở tài khoản … tại Ngân hàng Nhà nước").

rank-bm25's ``get_scores`` walks every document for every term. Here each field keeps, per term,
a postings list (document ids and their precomputed length-normalised term frequencies), so a
query touches only the postings of its own terms. ``field_scores`` reproduces
``BM25Okapi(corpus).get_scores(tokens)`` over the field's tokens (``field_tokens``; tests
compare them within 1e-9).

The index is built once per install (from the tokens packs carry, so no re-segmenting), saved
as one ``.npz`` blob in the store, and loaded in well under a second at start.
"""

from __future__ import annotations

import bisect
import dataclasses
import difflib
import io
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Container, Iterable, Mapping, Sequence

import numpy as np

from knowledge import text

ALIAS_TABLES = {"alias": "aliases.tsv", "broad": "aliases_broad.tsv",
                "situation": "aliases_situations.tsv"}
"""The alias fields and the table of ``resources/search`` that fills each (see ``FIELDS``)."""
ALIAS_FIELDS = tuple(ALIAS_TABLES)
"""Each alias table is a field read the same way: its own idf, no length normalisation, a set
of terms."""
FIELD_EPSILON = {"name": 0.25, "body": 0.0, **dict.fromkeys(ALIAS_FIELDS, 0.25)}
"""rank-bm25's floor for the idf of a word in more than half the documents, × the mean idf. In
the body it is 0: a third of the records have no body, so "và", "của", "được" are in most of the
others, and at the 0.25 floor each one gave a full record about 1.5 points a names-only record
could never get: a long question then lifted any full record over the names-only one it names
(dev portal questions, R@5 0.711 → 0.733, MRR@10 0.582 → 0.641; the other sets within 0.005)."""
FIELD_K1 = {"name": 1.5, "body": 1.5, **dict.fromkeys(ALIAS_FIELDS, 1.5)}
"""Term-frequency saturation per field."""
FIELD_B = {"name": 0.75, "body": 0.75, **dict.fromkeys(ALIAS_FIELDS, 0.0)}
"""Length normalisation per field. None for aliases: a procedure people ask for in many ways has
many of them, and measured against the mean (mostly records without any) each would count for
little; so an alias word counts its idf, once, however many aliases the procedure has."""
SET_FIELDS = {"name", *ALIAS_FIELDS}
"""Fields indexed as sets of terms: a word said twice in a name ("… BHXH, thẻ BHYT đối với
người chỉ tham gia BHYT") does not make the procedure more about it, in a body it does."""
FIELDS = ("name", "body", *ALIAS_FIELDS)
"""``alias``: how people ask for the procedure (``resources/search/aliases.tsv``); ``broad``:
the wider table written for every procedure (``aliases_broad.tsv``); ``situation``: about four
everyday descriptions of the need for every procedure (``aliases_situations.tsv``). Each wider
table is a field of its own so its thousands of everyday words ("xin", "làm", "giấy") leave the
idf of the first table's alone."""
FIELD_WEIGHTS = {"name": 3.0, "body": 0.5, "alias": 1.5, "broad": 1.25, "situation": 1.0}
COMPOUND_WEIGHT = 0.5
"""How much a compound (``khai_sinh``) counts besides its syllables: adjacency evidence."""
ACCENT_WEIGHT = 0.1
ADJACENT_WEIGHT = 0.2
"""Bonus for names where the query's words stand in the same order, next to each other."""
PRIOR_WEIGHT = 0.3
ALIAS_SHOWN_SHARE = 0.5
"""An alias is shown under a hit only if the query's words it adds to the name weigh at least
this share of the mean alias-word idf, or it shares with the query two adjacent words the name
lacks: one everyday word ("làm", "bị", "nhà") explains nothing (dev sets: of 1,505 alias lines
in the top 5, 192 rested on one such word; 122 are gone, 70 show a better alias)."""
MAX_NGRAM = 4
RERANK_DEPTH = 20
"""How many of the best candidates by BM25 and prior the adjacency and accent bonuses and the
second stage see. 10–50 reorder the development sets within 0.003 MRR@10 of each other; at 20
each real portal set holds within 0.001 MRR@10 or gains, at 30 and 50 one loses a question
from its top 5."""
RERANK_WEIGHTS = {"score": 1.0, "rank": 0.150, "coverage": 0.692, "situation": 0.749,
                  "broad": 0.531, "popularity": 0.108}
"""The second stage: each candidate's features (:meth:`SearchIndex.rerank_features`) weighed and
summed; the candidates are reordered by that sum. Fitted by ``bench/fit_rerank.py`` on the
development query sets (pairwise logistic regression, the right procedure against each other
candidate), which also prints the held-out-set cross-validation."""
INDEX_FORMAT = 8
"""Bumped when what the blob holds changes; a store rebuilds an older blob when opened."""

# What a procedure does to its paper: siblings named alike but for these ("Cấp / Cấp lại / Cấp đổi
# giấy phép X", "Gia hạn, sửa đổi giấy phép X") are told apart by the one the query names. Each
# wording maps to its action, so "làm lại" asks for "Cấp lại" and "bổ sung" for "Sửa đổi, bổ sung".
ACTIONS = {"cấp mới": "cấp mới", "cấp lại": "cấp lại", "làm lại": "cấp lại", "ký lại": "ký lại",
           "cấp đổi": "đổi", "đổi": "đổi", "gia hạn": "gia hạn", "sửa đổi": "sửa đổi",
           "bổ sung": "sửa đổi", "điều chỉnh": "sửa đổi", "thay đổi": "sửa đổi",
           "đính chính": "sửa đổi", "thu hồi": "thu hồi", "hủy": "thu hồi", "xóa": "thu hồi",
           "chấm dứt": "thu hồi", "tạm ngừng": "tạm ngừng", "tạm dừng": "tạm ngừng",
           "trả lại": "trả lại"}
ASPECT_WORDS = frozenset({"moi", "vua"})
"""Folded "mới", "vừa": words that may stand inside a colloquial phrase without breaking it
("bố mới mất" is "bố mất"); alone they stay in the query ("cấp mới", "nhỏ và vừa")."""
NEW_ACTION = "cấp mới"
"""A name without any of ``ACTIONS`` is the first issue ("Cấp giấy phép X")."""
SIBLING_WORDS = frozenset(
    text.fold_word(w) for w in " ".join([*ACTIONS, "đình chỉ nội dung thủ tục đề nghị và"]).split())
"""Words left out of a name to find its siblings (with any words in brackets: the level): the
``ACTIONS``' wordings and the words that come with them."""
_NUMBER_WORDS = {"1": "mot", "2": "hai", "3": "ba", "4": "bon", "5": "nam", "6": "sau",
                 "7": "bay", "8": "tam", "9": "chin", "10": "muoi"}
_CODE_QUERY = re.compile(r"^\s*(\d(?:\.\d{0,6}(?:\.[0-9A-Za-z.]*)?)?|\d{3,6})\s*$")


@dataclass
class IndexDoc:
    """One procedure as the index sees it."""

    code: str
    name: str
    name_tokens: Sequence[str]
    body_tokens: Sequence[str]
    weight: int | None = None
    field: str | None = None
    levels: Sequence[str] = ()
    audience: Sequence[str] = ()
    pack_id: str = ""
    # (``dataclasses.field``, since ``field`` here is the procedure's lĩnh vực)
    aliases: Mapping[str, Sequence[str]] = dataclasses.field(default_factory=dict)
    """Phrases people use for it ("mất bằng lái"), by alias field (``ALIAS_FIELDS``), indexed as
    typed queries are read."""


@dataclass
class Hit:
    code: str
    name: str
    score: float
    pack_id: str
    matched: list[str] = field(default_factory=list)
    """Folded query terms found in this procedure (syllables and compounds), for highlighting."""
    by_code: bool = False
    alias: str | None = None
    """The alias that holds query words the name lacks: why a procedure named otherwise came up."""


@dataclass
class Filters:
    """Restrict results; ``None`` means any."""

    field: str | None = None
    level: str | None = None
    audience: str | None = None
    pack_id: str | None = None


class _FieldIndex:
    """CSR postings of one field: term t's documents are ``doc_ids[indptr[t]:indptr[t+1]]``."""

    def __init__(self, indptr: np.ndarray, doc_ids: np.ndarray, tf: np.ndarray,
                 doc_len: np.ndarray, field_name: str) -> None:
        self.indptr = indptr
        self.doc_ids = doc_ids
        self.tf = tf
        self.doc_len = doc_len
        n_docs = len(doc_len)
        self.avgdl = float(doc_len.sum()) / n_docs if n_docs else 0.0
        df = np.diff(indptr)
        self.idf = self._idf(df, n_docs, FIELD_EPSILON[field_name])
        self.k1, self.b = FIELD_K1[field_name], FIELD_B[field_name]
        self._contrib: np.ndarray | None = None

    @property
    def contrib(self) -> np.ndarray:
        """Each posting's length-normalised tf (computed on demand: serving uses merged lists)."""
        if self._contrib is None:
            self._contrib = self._normalised_tf(self.tf, self.doc_ids) if len(self.doc_ids) else np.zeros(0)
        return self._contrib

    def _normalised_tf(self, tf: np.ndarray, docs: np.ndarray) -> np.ndarray:
        """BM25's length-normalised ``tf`` of postings in ``docs``."""
        k1, b = self.k1, self.b
        tf64 = tf.astype(np.float64)
        dl = self.doc_len[docs].astype(np.float64)
        # Same expression, same order as rank_bm25.BM25Okapi.get_scores.
        return tf64 * (k1 + 1) / (tf64 + k1 * (1 - b + b * dl / self.avgdl))

    @staticmethod
    def _idf(df: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
        """rank-bm25's idf, negative values floored at epsilon × the mean idf (in vocab order)."""
        present = df > 0
        idf = np.zeros(len(df))
        if not present.any():
            return idf
        values = [math.log(n_docs - f + 0.5) - math.log(f + 0.5) for f in df[present].tolist()]
        average = math.fsum(values) / len(values)  # close to rank-bm25's running sum
        arr = np.array(values)
        arr[arr < 0] = epsilon * average
        idf[present] = arr
        return idf

    def postings_at(self, term_ids: np.ndarray, at: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The postings of ``term_ids`` in the documents ``at`` maps to a row (``at[doc] >= 0``):
        each one's row, the index of its term in ``term_ids``, and its length-normalised tf
        (computed for them alone)."""
        lo, hi = self.indptr[term_ids], self.indptr[term_ids + 1]
        docs = np.concatenate([self.doc_ids[a:b] for a, b in zip(lo.tolist(), hi.tolist())]
                              or [np.zeros(0, dtype=self.doc_ids.dtype)])
        rows = at[docs]
        kept = np.flatnonzero(rows >= 0)
        starts = np.cumsum(hi - lo) - (hi - lo)
        which = np.searchsorted(starts, kept, side="right") - 1  # past empty lists' equal starts
        pos = lo[which] + (kept - starts[which])
        return rows[kept], which, self._normalised_tf(self.tf[pos], docs[kept])

    def postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = self.indptr[term_id], self.indptr[term_id + 1]
        return self.doc_ids[lo:hi], self.contrib[lo:hi]


class SearchIndex:
    """The in-memory index. Build with :meth:`build`, persist with :meth:`to_bytes`."""

    def __init__(self, vocab: list[str], fields: dict[str, _FieldIndex], meta: dict,
                 merged: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        self.vocab = vocab
        self.term_ids = {t: i for i, t in enumerate(vocab)}
        self.fields = fields
        self.codes: list[str] = meta["codes"]
        self.names: list[str] = meta["names"]
        self.pack_ids: list[str] = meta["pack_ids"]
        self.field_names: list[str | None] = meta["fields"]
        self.levels: list[list[str]] = meta["levels"]
        self.audience: list[list[str]] = meta["audience"]
        self.weights: list[int | None] = meta["weights"]
        self.aliases: list[list[str]] = meta["aliases"]
        weights = np.array([w or 0 for w in self.weights], dtype=np.float64)
        top = weights.max() if len(weights) else 0.0
        self.popularity = np.log1p(weights) / math.log1p(top) if top > 0 else np.zeros(len(weights))
        self.doc_of_code = {c: i for i, c in enumerate(self.codes)}
        if merged is not None and meta.get("field_weights") == FIELD_WEIGHTS:
            self.field_weights = dict(FIELD_WEIGHTS)
            self.m_indptr, self.m_doc_ids, self.m_values = merged
        else:
            self.set_field_weights(FIELD_WEIGHTS)
        self.synonyms: dict[str, list] = {}
        self._longest_synonym = 0
        self.abbreviations: dict[str, list] = {}
        self.stopwords: dict[str, list] = {}
        self.stopwords_plain: dict[str, list] = {}
        self._name_keys: dict[int, set[str]] = {}
        self._name_folded: dict[int, list[str]] = {}
        self._alias_words: dict[int, list[tuple[list[tuple[str, str]], set[tuple[str, str]]]]] = {}
        self._alias_floor: float | None = None
        self._sibling_keys: dict[int, tuple[str, ...]] = {}
        self._actions: dict[tuple[int, bool], set[str]] = {}
        self._syllables: list[str] | None = None
        self._corrections: dict[str, str | None] = {}
        self.rerank_weights: np.ndarray | None = np.array(list(RERANK_WEIGHTS.values()))
        """The second stage's weights (``RERANK_WEIGHTS``); None keeps the first stage's order."""

    def __len__(self) -> int:
        return len(self.codes)

    def set_field_weights(self, weights: dict[str, float]) -> None:
        """Weigh the fields and merge their postings for serving.

        Each term keeps one postings list whose value per document is its best field's
        weighted score (idf × normalised tf × field weight): a term counts once, in the field
        where it weighs most, so a long body repeating the name's words cannot lift a record
        over a names-only one. A query then costs one pass over its terms' postings.
        """
        self.field_weights = dict(weights)
        n_terms = len(self.vocab)
        n_docs = len(self.codes)
        keys, values = [], []
        for f, w in self.field_weights.items():
            fi = self.fields[f]
            if not w or not len(fi.doc_ids):
                continue
            term_of = np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(fi.indptr))
            keys.append(term_of * n_docs + fi.doc_ids)
            values.append((w * fi.idf[term_of]) * fi.contrib)
        if not keys:
            self.m_indptr = np.zeros(n_terms + 1, dtype=np.int64)
            self.m_doc_ids = np.zeros(0, dtype=np.int32)
            self.m_values = np.zeros(0, dtype=np.float32)
            return
        key = np.concatenate(keys)
        val = np.concatenate(values)
        order = np.argsort(key, kind="stable")  # two sorted runs: a linear merge
        key, val = key[order], val[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(first)
        val = np.maximum.reduceat(val, starts)
        key = key[starts]
        self.m_doc_ids = (key % n_docs).astype(np.int32)
        counts = np.bincount(key // n_docs, minlength=n_terms)
        self.m_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.m_values = val.astype(np.float32)
        for fi in self.fields.values():
            fi._contrib = None  # only the oracle and re-weighting need them again

    # ----------------------------------------------------------------- building and persisting
    @classmethod
    def build(cls, docs: Iterable[IndexDoc]) -> "SearchIndex":
        docs = list(docs)
        vocab: dict[str, int] = {}
        fields: dict[str, _FieldIndex] = {}
        per_field_ids: dict[str, list[list[int]]] = {}
        for f in ("name", "body"):
            per_field_ids[f] = [
                [vocab.setdefault(t, len(vocab)) for t in field_tokens(d, f)] for d in docs
            ]
        # Aliases are read as typed queries are: syllables, and the compounds names and bodies
        # know (a query's compounds are the ones the index knows).
        for f in ALIAS_FIELDS:
            per_field_ids[f] = [
                [vocab.setdefault(t, len(vocab)) for t in alias_tokens(d.aliases.get(f, ()), vocab)]
                for d in docs
            ]
        n_terms = len(vocab)
        for f in FIELDS:
            fields[f] = _build_field(per_field_ids[f], n_terms, f)
        meta = {
            "codes": [d.code for d in docs],
            "names": [d.name for d in docs],
            "pack_ids": [d.pack_id for d in docs],
            "weights": [d.weight for d in docs],
            "fields": [d.field for d in docs],
            "levels": [list(d.levels) for d in docs],
            "audience": [list(d.audience) for d in docs],
            "aliases": [[p for f in ALIAS_FIELDS for p in d.aliases.get(f, ())] for d in docs],
        }
        return cls(list(vocab), fields, meta)

    def to_bytes(self) -> bytes:
        arrays: dict[str, np.ndarray] = {}
        for f, fi in self.fields.items():
            arrays[f"{f}_indptr"] = fi.indptr
            arrays[f"{f}_doc_ids"] = fi.doc_ids
            arrays[f"{f}_tf"] = fi.tf
            arrays[f"{f}_doc_len"] = fi.doc_len
        arrays["m_indptr"], arrays["m_doc_ids"], arrays["m_values"] = (
            self.m_indptr, self.m_doc_ids, self.m_values)
        arrays["vocab"] = np.frombuffer("\n".join(self.vocab).encode("utf-8"), dtype=np.uint8)
        meta = {
            "format": INDEX_FORMAT,
            "codes": self.codes,
            "names": self.names,
            "pack_ids": self.pack_ids,
            "weights": self.weights,
            "fields": self.field_names,
            "levels": self.levels,
            "audience": self.audience,
            "aliases": self.aliases,
            "field_weights": self.field_weights,
        }
        arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> "SearchIndex":
        with np.load(io.BytesIO(blob), allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode())
            if meta.get("format") != INDEX_FORMAT:
                raise ValueError(f"unknown search index format {meta.get('format')!r}")
            raw = z["vocab"].tobytes().decode("utf-8")
            vocab = raw.split("\n") if raw else []
            fields = {
                f: _FieldIndex(z[f"{f}_indptr"], z[f"{f}_doc_ids"], z[f"{f}_tf"], z[f"{f}_doc_len"], f)
                for f in FIELDS
            }
            merged = (z["m_indptr"], z["m_doc_ids"], z["m_values"])
        return cls(vocab, fields, meta, merged)

    # ------------------------------------------------------------------------------ querying
    def field_scores(self, field_name: str, tokens: Sequence[str]) -> np.ndarray:
        """BM25 scores of every document for ``tokens`` in one field (rank-bm25 semantics)."""
        fi = self.fields[field_name]
        scores = np.zeros(len(self.codes))
        for t in tokens:
            tid = self.term_ids.get(t)
            if tid is None:
                continue
            ids, contrib = fi.postings(tid)
            scores[ids] += fi.idf[tid] * contrib
        return scores

    def plan(self, query: str) -> "QueryPlan":
        """Turn a typed query into scored slots.

        In order: filler and question words (:meth:`set_stopwords`) are dropped unless nothing
        would remain; colloquial phrases (:meth:`set_synonyms`) are replaced by their official
        wording; an abbreviation becomes a slot with two alternatives, itself or its expansion
        ("TNHH" | "trách nhiệm hữu hạn"), and so does an official wording that has an
        abbreviation ("tai nạn lao động" | "TNLĐ"), and a small number ("2" | "hai"). A slot
        scores its best alternative, so spelling a thing out never counts more than naming it.
        Every run of 2–4 adjacent syllables that is a compound in the index adds a slot too.
        """
        accented = self._drop_stopwords(text.syllables(query))
        finished = query[-1:].isspace()
        corrections: dict[str, str] = {}
        spoken: dict[str, set[str]] = {}
        main, alts = self._expand([text.fold_word(s) for s in accented], finished, corrections,
                                  spoken)
        # Typing: a last word not finished yet ("dang ky thuo") stands for the known words it
        # begins, the most frequent first; one that begins none is a typo ("doanh ngiep").
        if main and not finished and len(main[-1]) == 1 and len(main) - 1 not in alts:
            last = main[-1][0]
            if last not in self.term_ids and len(last) >= 2:
                completions = self.complete(last)
                if completions:
                    main[-1] = [completions[0]]
                    alts[len(main) - 1] = [[c] for c in completions[1:]]
                elif fixed := self._correct(last):
                    corrections[last] = main[-1][0] = fixed
        slots: list[list[list[str]]] = []
        terms: list[str] = []
        for i, seq in enumerate(main):
            group = [self._with_compounds(alt) for alt in [seq] + alts.get(i, [])]
            for t in (t for alt in group for t in alt):
                _add(terms, t)
            if i in alts:
                slots.append(group)
            else:
                slots.extend([[t]] for t in group[0])
        flat = [s for seq in main for s in seq]
        for i in range(len(flat)):  # compounds across slots ("đăng ký" + "thường trú")
            for n in range(2, MAX_NGRAM + 1):
                compound = "_".join(flat[i:i + n])
                if i + n <= len(flat) and compound in self.term_ids and compound not in terms:
                    _add(terms, compound)
                    slots.append([[compound]])
        # What was typed, before synonyms replaced it, is looked for in the aliases too.
        typed = [t for t in self._with_compounds([text.fold_word(s) for s in accented])
                 if t not in terms]
        return QueryPlan(slots, terms, flat, accented, corrections, typed, spoken)

    def _with_compounds(self, seq: list[str]) -> list[str]:
        return with_compounds(seq, self.term_ids)

    def query_terms(self, query: str) -> tuple[list[str], list[str]]:
        """The query's index terms (all alternatives) and its accented syllables."""
        p = self.plan(query)
        return p.terms, p.accented

    def set_synonyms(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Phrases (colloquial, abbreviations) replaced by their official wording in queries.

        Set the stopwords first: a phrase is matched after they left the query, so they leave
        the phrase too ("căn cước cho bé" matches "lam can cuoc cho be").
        """
        table: dict[tuple[str, ...], list[str]] = {}
        abbrevs: dict[tuple[str, ...], list[str]] = {}
        for phrase, expansion in pairs:
            key = tuple(text.fold_word(s) for s in self._drop_stopwords(text.syllables(phrase)))
            words = text.syllables(expansion)
            value = [text.fold_word(s) for s in words]
            if key and value:
                table[key] = (value, [text.tone_key(s) for s in words])
                if len(key) == 1 and len(value) > 1:
                    abbrevs.setdefault(tuple(value), []).append(key[0])
        self.synonyms = _by_first(table.items())
        self._longest_synonym = max(map(len, table), default=0)
        self.abbreviations = _by_first(abbrevs.items())

    def set_stopwords(self, phrases: Iterable[str]) -> None:
        """Filler and question words, as accented phrases ("tôi", "giấy tờ gì")."""
        split = [text.syllables(p) for p in phrases]
        self.stopwords = _by_first(
            (tuple(text.tone_key(s) for s in words), None) for words in split if words)
        self.stopwords_plain = _by_first(
            (tuple(text.fold_word(s) for s in words), None) for words in split if len(words) > 1)

    def _drop_stopwords(self, accented: list[str]) -> list[str]:
        """Drop stopword phrases, matched with their accents (an unaccented "co" may be "cơ");
        a phrase of two words or more also matches typed without any ("de nghi cho biet")."""
        if not self.stopwords:
            return accented
        keys = [text.tone_key(s) for s in accented]
        plain = [None if text.has_diacritics(s) else text.fold_word(s) for s in accented]
        out: list[str] = []
        i = 0
        while i < len(keys):
            match = (_match_at(self.stopwords, keys, i)
                     or plain[i] is not None and _match_at(self.stopwords_plain, plain, i))
            if match:
                i += len(match[0])
            else:
                out.append(accented[i])
                i += 1
        return out or accented

    def _expand(self, folded: list[str], finished: bool, corrections: dict[str, str],
                spoken: dict[str, set[str]]) -> tuple[list[list[str]], dict[int, list[list[str]]]]:
        """Main sequence as word groups, and alternatives per group index.

        A word the index does not know is taken as a typo of the closest one it knows
        ("doanh ngiep"), except the last word while it is still being typed; ``corrections``
        collects what was read so, and ``spoken`` the tone keys of the official wordings
        synonyms put in (folded word → keys).
        """
        main: list[list[str]] = []
        alts: dict[int, list[list[str]]] = {}
        i = 0
        content = [j for j, w in enumerate(folded) if w not in ASPECT_WORDS]
        while i < len(folded):
            match, end = self._synonym_at(folded, content, i)
            if match and self._overtaken(folded, content, i, end):
                match = None  # "làm căn cước bé": "căn cước bé" says more than "làm căn cước"
            if match:
                phrase, (expansion, tones) = match
                if len(phrase) == 1:  # an abbreviation: itself or its expansion
                    alts[len(main)] = [expansion]
                    main.append(list(phrase))
                else:  # word by word, so its own official wordings find their abbreviations
                    main.extend([w] for w in expansion)
                    for w, tone in zip(expansion, tones):
                        spoken.setdefault(w, set()).add(tone)
                i = end
                continue
            word = folded[i]
            typed = finished or i < len(folded) - 1
            if word not in self.term_ids and typed and (fixed := self._correct(word)):
                corrections[word] = fixed  # keyed by the typo: ``suggest`` replaces it
                word = fixed
            if word in _NUMBER_WORDS:
                alts[len(main)] = [[_NUMBER_WORDS[word]]]
            main.append([word])
            i += 1
        # An official wording that has an abbreviation: the abbreviation is an alternative.
        j = 0
        single = [g[0] if len(g) == 1 else None for g in main]
        while j < len(main):
            match = _match_at(self.abbreviations, single, j)
            if match:
                expansion, abbrevs = match
                n = len(expansion)
                main[j:j + n] = [list(expansion)]
                single[j:j + n] = [expansion[0] if n == 1 else None]
                alts = {(k if k < j else k - n + 1): v for k, v in alts.items()
                        if not j <= k < j + n}
                alts[j] = [[a] for a in abbrevs]
            j += 1
        return main, alts

    def _synonym_at(self, folded: list[str], content: list[int], i: int
                    ) -> tuple[tuple | None, int]:
        """The synonym phrase starting at ``folded[i]`` (with its expansion) and where it ends.
        Aspect words may stand inside one ("bố tôi vừa mới mất" says "bố mất"): ``content`` are
        the positions of the other words. A phrase holding one matches as written first."""
        if match := _match_at(self.synonyms, folded, i):
            return match, i + len(match[0])
        at = [i] + content[bisect.bisect_right(content, i):][:max(self._longest_synonym - 1, 0)]
        if match := _match_at(self.synonyms, [folded[j] for j in at], 0):
            return match, at[len(match[0]) - 1] + 1
        return None, i

    def _overtaken(self, folded: list[str], content: list[int], start: int, end: int) -> bool:
        """Whether a phrase starting inside ``folded[start:end]`` reaches further right."""
        return any(self._synonym_at(folded, content, j)[1] > end for j in range(start + 1, end))

    def search(self, query: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        """The best ``k`` procedures for ``query``, best first."""
        if _CODE_QUERY.match(query):
            return self._code_hits(query, k, filters)
        plan = self.plan(query)
        docs, scores = self.first_stage(plan, query, k, filters)
        if not len(docs):
            return []
        if self.rerank_weights is not None:
            features = self.rerank_features(plan, docs, scores)
            docs = docs[np.argsort(-(features @ self.rerank_weights), kind="stable")]
        # Each place keeps its score: the reordering moves procedures, not the list's strength.
        docs = self._siblings_by_action(docs, plan, text.has_diacritics(query))[:k]
        matched = self.matched_terms(docs, plan.terms + plan.typed)
        said = plan.said()
        typed = [text.fold_word(s) for s in plan.accented]
        pairs = set(zip(plan.folded, plan.folded[1:])) | set(zip(typed, typed[1:]))
        return [Hit(self.codes[d], self.names[d], float(score), self.pack_ids[d], m,
                    alias=self._alias_shown(d, said, pairs))
                for score, d, m in zip(scores.tolist(), docs.tolist(), matched)]

    def first_stage(self, plan: "QueryPlan", query: str, k: int = 10,
                    filters: Filters | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The best ``max(k, RERANK_DEPTH)`` candidates by BM25 with the prior, adjacency and
        accent bonuses, best first, and their scores."""
        empty = np.zeros(0, dtype=np.int64), np.zeros(0)
        if not plan.terms:
            return empty
        n_docs = len(self.codes)
        scores = self._term_scores([t for slot in plan.slots if len(slot) == 1 for t in slot[0]])
        for slot, times in Counter(tuple(map(tuple, slot)) for slot in plan.slots
                                   if len(slot) > 1).items():
            # An abbreviation stands for all the words it abbreviates: each alternative is
            # scaled to the least informative one found in names (by the idf its terms carry
            # there), so naming a thing either way counts the same, and a form rare in names
            # ("UBND", "BHXH") does not lift a concept common in them, nor the reverse.
            worth = [self._name_idf(alt) for alt in slot]
            floor = min((w for w in worth if w > 0), default=0.0)
            best = np.zeros(n_docs)
            for alt, w in zip(slot, worth):
                if w > 0:
                    np.maximum(best, self._term_scores(alt) * (floor / w), out=best)
            scores += times * best
        for t in plan.typed:
            self._add_alias_term(scores, t)
        cand = np.flatnonzero(scores)
        cand = self._filter(cand, filters)
        if not len(cand):
            return empty
        total = scores[cand] * (1 + PRIOR_WEIGHT * self.popularity[cand])
        depth = min(len(cand), max(k, RERANK_DEPTH))
        top = np.argpartition(-total, depth - 1)[:depth] if len(cand) > depth else np.arange(len(cand))
        top_docs = cand[top]
        top_scores = total[top]
        bigrams = set(zip(plan.folded, plan.folded[1:]))
        if bigrams:
            near = np.array([self._adjacent_share(int(d), bigrams) for d in top_docs])
            top_scores = top_scores * (1 + ADJACENT_WEIGHT * near)
        if text.has_diacritics(query):
            keys = [text.tone_key(s) for s in plan.accented]
            bonus = np.array([self._accent_match(int(d), keys) for d in top_docs])
            top_scores = top_scores * (1 + ACCENT_WEIGHT * bonus)
        codes = np.array([self.codes[d] for d in top_docs])
        order = np.lexsort((codes, -top_scores))
        return top_docs[order], top_scores[order]

    def rerank_features(self, plan: "QueryPlan", docs: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """One row per first-stage candidate (``docs`` best first, with ``scores``), one column
        per ``RERANK_WEIGHTS`` key, each comparable across queries:

        - ``score``: the first-stage score over the best one's;
        - ``rank``: 1 / the first-stage place;
        - ``coverage``: the share of the query's words (each by its best idf in the name and
          alias fields) that the name or an alias holds, so a procedure that answers all of a
          question beats one that answers one rare word of it;
        - ``situation``, ``broad``: the query's BM25 in that field alone, over the best
          first-stage score, so evidence there adds to the field where each word weighs most
          (the body's did too, for 0.001 MRR@10 on the development sets: left out);
        - ``popularity``.
        """
        n = len(docs)
        at = np.full(len(self.codes), -1, dtype=np.int64)
        at[docs] = np.arange(n)
        out = np.zeros((n, len(RERANK_WEIGHTS)))
        col = {name: i for i, name in enumerate(RERANK_WEIGHTS)}
        best = float(scores[0]) or 1.0
        out[:, col["score"]] = scores / best
        out[:, col["rank"]] = 1.0 / np.arange(1, n + 1)
        out[:, col["popularity"]] = self.popularity[docs]
        terms = np.array([self.term_ids[t] for t in dict.fromkeys(plan.terms + plan.typed)
                          if t in self.term_ids], dtype=np.int64)
        for f in ("situation", "broad"):
            fi = self.fields[f]
            rows, which, contrib = fi.postings_at(terms, at)
            out[:, col[f]] = np.bincount(rows, fi.idf[terms[which]] * contrib, minlength=n) / best
        # Coverage counts the query's words: each slot's (an abbreviation is covered by either
        # spelling, and weighs what its least informative spelling does) and what was typed
        # before a synonym replaced it; compounds only repeat their syllables.
        units = dict.fromkeys(  # in query order, each once
            [tuple(alt for alt in (tuple(t for t in alt if "_" not in t) for alt in slot)
                   if alt and all(t in self.term_ids for t in alt)) for slot in plan.slots]
            + [((s,),) for t in plan.typed for s in t.split("_") if s in self.term_ids])
        units.pop((), None)
        place = {t: i for i, t in enumerate(dict.fromkeys(
            t for unit in units for alt in unit for t in alt))}  # word → column of ``present``
        word_ids = np.array([self.term_ids[t] for t in place], dtype=np.int64)
        naming = ("name", *ALIAS_FIELDS)
        present = np.zeros((n, len(place)), dtype=bool)
        for f in naming:
            rows, which, _ = self.fields[f].postings_at(word_ids, at)
            present[rows, which] = True
        idf = np.max([self.fields[f].idf[word_ids] for f in naming], axis=0).tolist()
        weight = np.array([min(sum(idf[place[t]] for t in alt) for alt in unit) for unit in units])
        # Most units are one word, read from ``present`` at once; the rest one by one.
        units = list(units)
        single = {j: place[u[0][0]] for j, u in enumerate(units) if len(u) == 1 and len(u[0]) == 1}
        covered = np.zeros((n, len(units)), dtype=bool)
        covered[:, list(single)] = present[:, list(single.values())]
        for j, unit in enumerate(units):
            for alt in unit if j not in single else ():
                covered[:, j] |= present[:, [place[t] for t in alt]].all(axis=1)
        out[:, col["coverage"]] = covered @ weight / weight.sum() if weight.sum() else 0.0
        return out

    def _siblings_by_action(self, docs: np.ndarray, plan: "QueryPlan", accented: bool) -> np.ndarray:
        """``docs`` (best first) with siblings reordered among the places they won: those naming
        an action the query names (``ACTIONS``: "đổi giấy an ninh trật tự" → Cấp đổi, not Cấp
        mới) first, then those naming fewer others. An accented query is read with its tones
        (đòi is not đổi), as typed; an unaccented one after its synonyms."""
        said = _actions(list(map(text.tone_key, plan.accented)) if accented else plan.folded,
                        accented)
        if not said:
            return docs
        places: dict[tuple[str, ...], list[int]] = {}
        for i, d in enumerate(docs.tolist()):
            if key := self._sibling_key(d):
                places.setdefault(key, []).append(i)
        out = docs.copy()
        for group in places.values():
            named = [self._name_actions(d, accented) for d in docs[group].tolist()]
            if len(group) > 1 and any(said & n for n in named):
                best = sorted(range(len(group)), key=lambda j: (-len(said & named[j]),
                                                                 len(named[j] - said), j))
                out[group] = docs[group][best]
        return out

    def _sibling_key(self, doc: int) -> tuple[str, ...]:
        """The name's words but its actions and level (``SIBLING_WORDS``); () if under two."""
        if doc not in self._sibling_keys:
            words = text.query_syllables(re.sub(r"\([^)]*\)", " ", self.names[doc]))
            key = tuple(w for w in words if w not in SIBLING_WORDS)
            self._sibling_keys[doc] = key if len(key) >= 2 else ()
        return self._sibling_keys[doc]

    def _name_actions(self, doc: int, accented: bool) -> set[str]:
        """The ``ACTIONS`` the name names (``NEW_ACTION`` if none)."""
        if (doc, accented) not in self._actions:
            words = text.syllables(self.names[doc])
            found = _actions(list(map(text.tone_key, words)) if accented
                             else self._name_syllables(doc), accented)
            self._actions[doc, accented] = found or {NEW_ACTION}
        return self._actions[doc, accented]

    def _alias_shown(self, doc: int, said: Mapping[str, set[str] | None],
                     pairs: set[tuple[str, str]]) -> str | None:
        """The alias of ``doc`` sharing most of the query's syllables (``said``: folded, with
        the tone keys typed for each, None for any), if the ones it adds to the name weigh
        enough (``ALIAS_SHOWN_SHARE``) or it shares with the query a pair of adjacent syllables
        the name lacks ("sổ đỏ"); the shortest of equals."""
        if not self.aliases[doc]:
            return None
        name_syllables = self._name_syllables(doc)
        name, name_pairs = set(name_syllables), set(zip(name_syllables, name_syllables[1:]))
        if doc not in self._alias_words:  # each alias's syllables (folded, tone key), pairs
            self._alias_words[doc] = []
            for words in map(text.syllables, self.aliases[doc]):
                folded = [text.fold_word(w) for w in words]
                self._alias_words[doc].append((list(zip(folded, map(text.tone_key, words))),
                                               set(zip(folded, folded[1:]))))
        best, best_key = None, (0, 0)
        for phrase, (words, alias_pairs) in zip(self.aliases[doc], self._alias_words[doc]):
            heard = {w for w, tone in words
                     if w in said and (said[w] is None or tone in said[w])}
            added = heard - name
            if not added or (self._alias_weight(added) < self._alias_shown_floor()
                             and not (alias_pairs & pairs) - name_pairs):
                continue
            key = (len(heard), -len(phrase))
            if key > best_key:
                best, best_key = phrase, key
        return best

    def _alias_weight(self, words: set[str]) -> float:
        """What ``words`` (syllables) weigh in the alias fields: their best idf there."""
        return sum(max(self.fields[f].idf[self.term_ids[w]] for f in ALIAS_FIELDS)
                   for w in words if w in self.term_ids)

    def _alias_shown_floor(self) -> float:
        if self._alias_floor is None:
            idf = self.fields["alias"].idf
            present = idf[idf > 0]
            self._alias_floor = ALIAS_SHOWN_SHARE * float(present.mean()) if len(present) else 0.0
        return self._alias_floor

    def _name_idf(self, terms: Sequence[str]) -> float:
        """What matching ``terms`` in a name is worth: their idf there (compounds weighed)."""
        idf = self.fields["name"].idf
        return sum(idf[self.term_ids[t]] * (COMPOUND_WEIGHT if "_" in t else 1.0)
                   for t in terms if t in self.term_ids)

    def _term_scores(self, terms: Sequence[str]) -> np.ndarray:
        """Every document's summed (merged, see :meth:`set_field_weights`) scores for ``terms``,
        in one pass over their postings."""
        ids, values = [], []
        for t, times in Counter(terms).items():  # a word said twice counts twice, read once
            if (tid := self.term_ids.get(t)) is not None:
                lo, hi = self.m_indptr[tid], self.m_indptr[tid + 1]
                ids.append(self.m_doc_ids[lo:hi])
                weight = times * (COMPOUND_WEIGHT if "_" in t else 1.0)
                values.append(self.m_values[lo:hi] * weight)
        if not ids:
            return np.zeros(len(self.codes))
        return np.bincount(np.concatenate(ids), np.concatenate(values), minlength=len(self.codes))

    def _add_alias_term(self, scores: np.ndarray, t: str) -> None:
        """Add one term's score in the alias fields alone (the one where it weighs most)."""
        tid = self.term_ids.get(t)
        if tid is None:
            return
        best = np.zeros(len(self.codes))
        for f in ALIAS_FIELDS:
            weight = self.field_weights.get(f, 0.0) * (COMPOUND_WEIGHT if "_" in t else 1.0)
            if weight:
                fi = self.fields[f]
                ids, contrib = fi.postings(tid)
                best[ids] = np.maximum(best[ids], weight * fi.idf[tid] * contrib)
        scores += best

    def _adjacent_share(self, doc: int, bigrams: set[tuple[str, str]]) -> float:
        """Share of the query's adjacent syllable pairs that stand adjacent in the name."""
        folded = self._name_syllables(doc)
        return len(bigrams & set(zip(folded, folded[1:]))) / len(bigrams)

    def _name_syllables(self, doc: int) -> list[str]:
        folded = self._name_folded.get(doc)
        if folded is None:
            folded = text.query_syllables(self.names[doc])
            self._name_folded[doc] = folded
        return folded

    def complete(self, prefix: str, n: int = 5) -> list[str]:
        """Known syllables starting with ``prefix`` (folded), most frequent first."""
        words = self._sorted_syllables()
        i = bisect.bisect_left(words, prefix)
        found = []
        while i < len(words) and words[i].startswith(prefix):
            found.append(words[i])
            i += 1
        return sorted(found, key=lambda w: -self._df(w))[:n]

    def _sorted_syllables(self) -> list[str]:
        if self._syllables is None:
            self._syllables = sorted(t for t in self.vocab if "_" not in t and not t.isdigit())
        return self._syllables

    def suggest(self, query: str) -> str | None:
        """The query as :meth:`search` reads it when it took some words for typos (each
        replaced by the closest known word, folded, see :meth:`_correct`); None otherwise.
        The search pane says so above the results ("Đang hiện kết quả cho …")."""
        fixed = self.plan(query).corrections
        if not fixed:
            return None
        return " ".join(fixed.get(text.fold_word(w), w) for w in text.syllables(query))

    def _correct(self, word: str) -> str | None:
        """The known syllable closest to an unknown one (difflib's ratio ≥ 0.7, ties to the
        more frequent); None for numbers and words too far from any."""
        if word.isdigit() or len(word) < 2:
            return None
        if word not in self._corrections:  # typing repeats the earlier words at each key
            close = difflib.get_close_matches(word, self._sorted_syllables(), n=5, cutoff=0.7)
            self._corrections[word] = max(
                close, key=lambda c: (difflib.SequenceMatcher(None, word, c).ratio(),
                                      self._df(c))) if close else None
        return self._corrections[word]

    def _df(self, term: str) -> int:
        tid = self.term_ids[term]
        return int(self.m_indptr[tid + 1] - self.m_indptr[tid])

    def matched_terms(self, docs: np.ndarray, terms: Sequence[str]) -> list[list[str]]:
        """For each document, the terms found in it (name or body), for highlighting."""
        found = np.zeros((len(terms), len(docs)), dtype=bool)
        for i, t in enumerate(terms):
            tid = self.term_ids.get(t)
            if tid is None:
                continue
            lo, hi = self.m_indptr[tid], self.m_indptr[tid + 1]
            if hi > lo:
                postings = self.m_doc_ids[lo:hi]
                j = np.minimum(np.searchsorted(postings, docs), hi - lo - 1)
                found[i] = postings[j] == docs
        return [[t for i, t in enumerate(terms) if found[i, n]] for n in range(len(docs))]

    def _accent_match(self, doc: int, keys: list[str]) -> float:
        """Share of the query's accented syllables found, accents and all, in the name."""
        name_keys = self._name_keys.get(doc)
        if name_keys is None:
            name_keys = {text.tone_key(s) for s in text.syllables(self.names[doc])}
            self._name_keys[doc] = name_keys
        if not keys:
            return 0.0
        return sum(1 for key in keys if key in name_keys) / len(keys)

    def _filter(self, docs: np.ndarray, filters: Filters | None) -> np.ndarray:
        if filters is None:
            return docs
        keep = []
        for d in docs.tolist():
            if filters.field and self.field_names[d] != filters.field:
                continue
            if filters.level and filters.level not in self.levels[d]:
                continue
            if filters.audience and filters.audience not in self.audience[d]:
                continue
            if filters.pack_id and self.pack_ids[d] != filters.pack_id:
                continue
            keep.append(d)
        return np.array(keep, dtype=np.int64)

    def _code_hits(self, query: str, k: int, filters: Filters | None) -> list[Hit]:
        """A full or partial code (``1.001612``, ``001612``, ``1.0016``) goes straight to it."""
        m = _CODE_QUERY.match(query)
        if not m:
            return []
        q = m.group(1)
        if "." in q:
            found = [i for i, c in enumerate(self.codes) if c.startswith(q)]
        elif len(q) >= 3:
            found = [i for i, c in enumerate(self.codes) if c[2:].startswith(q)]
        else:
            return []
        found = self._filter(np.array(found, dtype=np.int64), filters).tolist()
        exact = [i for i in found if self.codes[i] == q]
        found.sort(key=lambda i: (i not in exact, -self.popularity[i], self.codes[i]))
        return [Hit(self.codes[i], self.names[i], 1.0, self.pack_ids[i], [], by_code=True)
                for i in found[:k]]


def with_compounds(seq: list[str], known: Container[str]) -> list[str]:
    """Folded syllables followed by the ``known`` compounds among their runs of 2–4."""
    out = list(seq)
    for i in range(len(seq)):
        for n in range(2, MAX_NGRAM + 1):
            compound = "_".join(seq[i:i + n])
            if i + n <= len(seq) and compound in known:
                out.append(compound)
    return out


def alias_tokens(phrases: Iterable[str], known: Container[str]) -> list[str]:
    """An alias field's terms, each once: every phrase read as a typed query is."""
    return list(dict.fromkeys(
        t for phrase in phrases for t in with_compounds(text.query_syllables(phrase), known)))


def field_tokens(doc: IndexDoc, field_name: str) -> list[str]:
    """The tokens a field indexes for ``doc`` (each once in a set field, in order)."""
    tokens = getattr(doc, f"{field_name}_tokens")
    return list(dict.fromkeys(tokens)) if field_name in SET_FIELDS else list(tokens)


def _by_first(items: Iterable[tuple[tuple[str, ...], object]]) -> dict[str, list]:
    """Phrases keyed by their first word, longest first: a query is scanned in one pass."""
    table: dict[str, list] = {}
    for phrase, value in sorted(items, key=lambda kv: -len(kv[0])):
        table.setdefault(phrase[0], []).append((phrase, value))
    return table


def _match_at(table: dict[str, list], words: list, i: int) -> tuple | None:
    """The longest phrase of ``table`` that starts at ``words[i]``, with its value."""
    for phrase, value in table.get(words[i], ()):
        if tuple(words[i:i + len(phrase)]) == phrase:
            return phrase, value
    return None


_ACTION_TABLES = {
    accented: _by_first((tuple(map(key, wording.split())), action)
                        for wording, action in ACTIONS.items())
    for accented, key in ((True, text.tone_key), (False, text.fold_word))}
"""``ACTIONS`` by their first word, as tone keys (accented) or folded."""


@dataclass
class QueryPlan:
    """A query made ready for scoring: slots of alternatives of terms (see ``SearchIndex.plan``)."""

    slots: list[list[list[str]]]
    terms: list[str]
    folded: list[str]
    accented: list[str]
    corrections: dict[str, str]
    """Unknown words read as the closest known ones (folded: typo → word)."""
    typed: list[str] = field(default_factory=list)
    """Typed terms a synonym replaced: scored in the aliases only ("mất sổ đỏ")."""
    spoken: dict[str, set[str]] = field(default_factory=dict)
    """The tone keys of the words synonyms put in (folded word → keys): "mai táng" is not
    "tặng"."""

    def said(self) -> dict[str, set[str] | None]:
        """Each word the query says, folded, with the tone keys it was said with: as typed
        with marks, or as a synonym's official wording put it; None (any) if typed unmarked."""
        tones: dict[str, set[str] | None] = {w: set(keys) for w, keys in self.spoken.items()}
        for s in self.accented:
            w = text.fold_word(s)
            marked = text.has_diacritics(s) and tones.get(w, set()) is not None
            tones[w] = tones.get(w, set()) | {text.tone_key(s)} if marked else None
        return {w: tones.get(w)
                for w in [*self.folded, *(s for t in self.typed for s in t.split("_"))]}


def _actions(words: list[str], accented: bool) -> set[str]:
    """Which actions (``ACTIONS``' values) the words name, in one pass: tone keys if
    ``accented``, else folded; the longest wording at each word, so the "đổi" of "sửa đổi" is
    not read again as "đổi"."""
    table = _ACTION_TABLES[accented]
    found: set[str] = set()
    i = 0
    while i < len(words):
        if m := _match_at(table, words, i):
            found.add(m[1])
            i += len(m[0])
        else:
            i += 1
    return found


def _add(terms: list[str], t: str) -> None:
    if t not in terms:
        terms.append(t)


def _build_field(doc_term_ids: list[list[int]], n_terms: int, field_name: str) -> _FieldIndex:
    n_docs = len(doc_term_ids)
    doc_len = np.array([len(ids) for ids in doc_term_ids], dtype=np.int32)
    total = int(doc_len.sum())
    if total == 0:
        return _FieldIndex(np.zeros(n_terms + 1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                           np.zeros(0, dtype=np.uint32), doc_len, field_name)
    term = np.fromiter((t for ids in doc_term_ids for t in ids), dtype=np.int64, count=total)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), doc_len)
    keys, tf = np.unique(term * n_docs + doc, return_counts=True)  # sorted by term, then doc
    terms = keys // n_docs
    doc_ids = (keys % n_docs).astype(np.int32)
    indptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.add.at(indptr, terms + 1, 1)
    indptr = np.cumsum(indptr)
    return _FieldIndex(indptr, doc_ids, tf.astype(np.uint32), doc_len, field_name)
