"""Vietnamese text normalisation and tokenising for the index (build time) and queries.

Two token kinds go into the index, both *folded* (lower case, no diacritics, đ → d, the
i/y spelling variants unified):

- every syllable: ``đăng ký khai sinh`` → ``dang``, ``ki``, ``khai``, ``sinh``;
- every multi-syllable word found by underthesea's segmenter on the accented text, joined
  with ``_``: ``dang_ki``, ``khai_sinh``.

underthesea runs only when a pack is built (``index_tokens``). A query is never segmented by
underthesea: typed fast and often without diacritics, it is segmented wrongly. Instead its
folded syllables are matched, and every run of 2–4 adjacent syllables that is a compound in
the index's vocabulary is added as that compound (``query_syllables`` + the search module).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, Iterable

TOKENIZER_NAME = "motcua-vi"
TOKENIZER_VERSION = 1
"""Bump when folding or index tokenising changes: packs built with another version are refused."""

# The five Vietnamese tone marks as combining characters; the other marks (breve, circumflex,
# horn) change the vowel, not the tone.
_TONES = {"\u0300": 2, "\u0301": 1, "\u0309": 3, "\u0303": 4, "\u0323": 5}
_WORD_RE = re.compile(r"\w+", re.UNICODE)
# Syllables spelled with a final y that is also written i: ký/kí, lý/lí, công ty/công ti, quý/quí.
# "y" alone (y tế) and diphthongs (thuỷ, tuyển, khuya) are left as they are.
_Y_VARIANT = re.compile(r"^(b|c|ch|d|g|gh|h|k|kh|l|m|n|ng|ngh|nh|p|ph|qu|r|s|t|th|tr|v|x)y$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.;:!?])\s+|\n+")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@lru_cache(maxsize=200_000)
def fold_word(word: str) -> str:
    """Fold one word or syllable: ``"Đăng"`` → ``"dang"``, ``"Ký"`` → ``"ki"``.

    Multi-syllable words joined with ``_`` fold syllable by syllable.
    """
    if "_" in word:
        return "_".join(fold_word(s) for s in word.split("_"))
    if word.isdigit():
        return word.lstrip("0") or "0"  # "01 pha" and "1 pha" are the same
    decomposed = unicodedata.normalize("NFD", word.lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("đ", "d")
    return _Y_VARIANT.sub(lambda m: m.group(1) + "i", stripped)


def fold(text: str) -> str:
    """Fold a whole text, keeping separators: ``"Đăng ký, Hộ tịch"`` → ``"dang ki, ho tich"``."""
    return _WORD_RE.sub(lambda m: fold_word(m.group(0)), nfc(text))


@lru_cache(maxsize=200_000)
def tone_key(syllable: str) -> str:
    """A key equal for the same syllable whatever the tone placement: hòa/hoà, thủy/thuỷ.

    The vowel marks (ă â ê ô ơ ư đ) and the tone are kept; only the tone's position is dropped.
    """
    decomposed = unicodedata.normalize("NFD", syllable.lower())
    tone = 0
    kept = []
    for c in decomposed:
        if c in _TONES:
            tone = _TONES[c]
        else:
            kept.append(c)
    base = unicodedata.normalize("NFC", "".join(kept))
    base = _Y_VARIANT.sub(lambda m: m.group(1) + "i", base)
    return f"{base}{tone}" if tone else base


def has_diacritics(text: str) -> bool:
    """True if the text carries any Vietnamese mark (or đ): the typist used accents."""
    decomposed = unicodedata.normalize("NFD", text)
    return any(unicodedata.combining(c) for c in decomposed) or "đ" in text.lower()


def syllables(text: str) -> list[str]:
    """The text's words in order, NFC, lower case, accents kept."""
    return [w.lower() for w in _WORD_RE.findall(nfc(text))]


def query_syllables(text: str) -> list[str]:
    """The query's folded syllables in order."""
    return [fold_word(w) for w in syllables(text)]


Segmenter = Callable[[str], list[str]]


def underthesea_segmenter() -> Segmenter:
    """Return underthesea's word segmenter (imported lazily: ~0.5 s and ~110 MB)."""
    from underthesea import word_tokenize

    return word_tokenize


def underthesea_version() -> str:
    from importlib.metadata import version

    return version("underthesea")


def index_tokens(text: str, segment: Segmenter) -> list[str]:
    """Tokens for the index: folded syllables plus folded compounds, in text order.

    The text is segmented sentence by sentence: underthesea's memory grows with the length
    of one call's input (STACK.md: 400k characters peaked at 930 MB).
    """
    out: list[str] = []
    for piece in _SENTENCE_SPLIT.split(nfc(text)):
        piece = piece.strip()
        if not piece:
            continue
        for word in segment(piece):
            parts = _WORD_RE.findall(word)
            folded = [fold_word(p) for p in parts]
            out.extend(folded)
            if len(folded) > 1:
                out.append("_".join(folded))
    return out


def index_pieces(text: str) -> list[str]:
    """The pieces ``index_tokens`` segments one call each (sentences or lines, NFC, stripped).

    ``index_tokens(text)`` equals the concatenation of ``index_tokens(piece)`` over these pieces,
    so a pack build can segment each distinct piece once (many are repeated across procedures).
    """
    return [p.strip() for p in _SENTENCE_SPLIT.split(nfc(text)) if p.strip()]


def join_texts(parts: Iterable[str | None]) -> str:
    """Join text parts into one text, one per line, skipping empty ones."""
    return "\n".join(p for p in parts if p)
