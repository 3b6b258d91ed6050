"""Folding and tokenising Vietnamese: properties that must hold for any text."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from knowledge.text import (fold, fold_word, has_diacritics, index_tokens, query_syllables,
                            syllables, tone_key)

VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
words = st.text(alphabet=VIET + VIET.upper() + "0123456789", min_size=1, max_size=8)
texts = st.lists(words, max_size=8).map(" ".join)


@given(texts)
def test_fold_is_ascii_lowercase_and_idempotent(t):
    f = fold(t)
    assert f.isascii() and f == f.lower()
    assert fold(f) == f


@given(texts)
def test_fold_ignores_case_and_normalisation_form(t):
    assert fold(t.upper()) == fold(t) == fold(unicodedata.normalize("NFD", t))


@given(words)
def test_tone_key_ignores_tone_placement_and_case(w):
    assert tone_key(w) == tone_key(w.upper()) == tone_key(unicodedata.normalize("NFD", w))


@given(texts)
def test_query_syllables_equal_folded_syllables(t):
    assert query_syllables(t) == [fold_word(s) for s in syllables(t)]
    assert query_syllables(fold(t)) == query_syllables(t)


def test_known_variants():
    assert fold("Đăng ký") == fold("dang ki") == fold("ĐĂNG KÍ") == "dang ki"
    assert fold("công ty") == fold("công ti") and fold("Mỹ") == fold("mĩ")
    assert fold("y tế") == "y te" and fold("thuỷ") == fold("thủy") == "thuy"
    assert tone_key("hoà") == tone_key("hòa") != tone_key("hoa")
    assert fold("01 pha") == fold("1 pha")
    assert has_diacritics("đi") and has_diacritics("Tạm") and not has_diacritics("tam tru")


def test_index_tokens_keeps_syllables_and_compounds():
    seg = lambda s: ["Đăng ký", "thường trú", "."]  # noqa: E731 - a segmenter's shape
    assert index_tokens("Đăng ký thường trú.", seg) == [
        "dang", "ki", "dang_ki", "thuong", "tru", "thuong_tru"]
