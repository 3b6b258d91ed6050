"""The inverted index reproduces rank-bm25 and finds procedures the way clerks type."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rank_bm25 import BM25Okapi

from knowledge.search import (
    ACTIONS,
    FIELD_B,
    FIELD_EPSILON,
    FIELD_K1,
    Filters,
    IndexDoc,
    RERANK_WEIGHTS,
    SearchIndex,
    field_tokens,
)
from knowledge.text import fold, index_tokens, underthesea_segmenter

RECORDS = [
    ("1.004222", "Đăng ký thường trú", 8_781_419, "Đăng ký, quản lý cư trú", "Cấp xã",
     "Tờ khai thay đổi thông tin cư trú. Giấy tờ chứng minh chỗ ở hợp pháp."),
    ("1.004194", "Đăng ký tạm trú", 15_539_622, "Đăng ký, quản lý cư trú", "Cấp xã",
     "Tờ khai thay đổi thông tin cư trú."),
    ("1.003197", "Xóa đăng ký thường trú", 10_000, "Đăng ký, quản lý cư trú", "Cấp xã", ""),
    ("1.001193", "Đăng ký khai sinh", 3_000_000, "Hộ tịch", "Cấp xã",
     "Tờ khai đăng ký khai sinh. Giấy chứng sinh."),
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", 2_000_000, "Chứng thực",
     "Cấp xã, Cấp tỉnh", "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao."),
    ("1.001612", "Đăng ký thành lập hộ kinh doanh", 900_000, "Thành lập và hoạt động của hộ kinh doanh",
     "Cấp xã", "Giấy đề nghị đăng ký hộ kinh doanh."),
    ("2.000908.H19", "Cấp lại giấy chứng nhận quyền sử dụng đất do bị mất", None, "Đất đai",
     "Cấp tỉnh", "Đơn đề nghị cấp lại giấy chứng nhận."),
]


@pytest.fixture(scope="module")
def docs():
    seg = underthesea_segmenter()
    return [IndexDoc(code, name, index_tokens(name, seg), index_tokens(body, seg), weight, field,
                     [lv.strip() for lv in level.split(",")], ["công dân"], "demo")
            for code, name, weight, field, level, body in RECORDS]


@pytest.fixture(scope="module")
def index(docs):
    idx = SearchIndex.from_bytes(SearchIndex.build(docs).to_bytes())
    idx.set_synonyms([("sổ đỏ", "giấy chứng nhận quyền sử dụng đất"), ("HKD", "hộ kinh doanh")])
    return idx


@pytest.mark.parametrize("field", ["name", "body"])
@pytest.mark.parametrize("query", [
    ["dang", "ki", "thuong", "tru"], ["khai_sinh", "unknown", "ho", "ho"], ["cap", "lai"], [],
])
def test_field_scores_equal_rank_bm25(docs, index, field, query):
    corpus = [field_tokens(d, field) for d in docs]
    expected = BM25Okapi(corpus, k1=FIELD_K1[field], b=FIELD_B[field],
                           epsilon=FIELD_EPSILON[field]).get_scores(query)
    assert np.allclose(index.field_scores(field, query), expected, rtol=0, atol=1e-9)


token = st.sampled_from(["a", "b", "c", "d", "e", "f_g", "h"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(token, max_size=12), min_size=1, max_size=12), st.lists(token, max_size=5))
def test_scores_match_oracle_on_random_corpora(corpus, query):
    docs = [IndexDoc(str(i), "x", tokens, []) for i, tokens in enumerate(corpus)]
    idx = SearchIndex.build(docs)
    if sum(len(c) for c in corpus) == 0:
        return  # rank-bm25 divides by zero on an all-empty corpus
    for field in ("name", "body"):
        oracle = [field_tokens(d, field) for d in docs]
        if sum(map(len, oracle)) == 0:
            continue
        expected = BM25Okapi(oracle, k1=FIELD_K1[field], b=FIELD_B[field],
                           epsilon=FIELD_EPSILON[field]).get_scores(query)
        assert np.allclose(idx.field_scores(field, query), expected, rtol=0, atol=1e-9)


def test_a_name_is_a_set_of_terms():
    """A word said twice in a name counts once there; in a body it counts twice."""
    docs = [IndexDoc("1", "x", ["bhyt", "cap", "the", "bhyt"], ["bhyt", "bhyt"]),
            IndexDoc("2", "y", ["bhyt", "cap", "the"], ["bhyt"]),
            *[IndexDoc(str(i), "z", ["khac"], ["khac"]) for i in range(3, 9)]]
    idx = SearchIndex.build(docs)
    assert field_tokens(docs[0], "name") == ["bhyt", "cap", "the"]
    name = idx.field_scores("name", ["bhyt"])
    body = idx.field_scores("body", ["bhyt"])
    assert name[0] == pytest.approx(name[1])
    assert body[0] > body[1]


@pytest.mark.parametrize("query, code", [
    ("đăng ký thường trú", "1.004222"),
    ("dang ky thuong tru", "1.004222"),
    ("đăng kí khai sinh", "1.001193"),
    ("chung thuc ban sao", "2.000815"),
    ("1.004222", "1.004222"),
    ("004222", "1.004222"),
    ("2.000908.H19", "2.000908.H19"),
    ("cấp lại sổ đỏ", "2.000908.H19"),
    ("thanh lap HKD", "1.001612"),
])
def test_search_finds_first(index, query, code):
    hits = index.search(query, k=5)
    assert hits and hits[0].code == code


def test_exact_accents_preferred_and_matched_terms(index):
    hits = index.search("đăng ký tạm trú", k=3)
    assert hits[0].code == "1.004194"
    assert {"dang", "ki", "tam", "tru"} <= set(hits[0].matched)


def test_filters(index):
    hits = index.search("đăng ký", k=10, filters=Filters(field="Hộ tịch"))
    assert [h.code for h in hits] == ["1.001193"]
    hits = index.search("giấy chứng nhận", k=10, filters=Filters(level="Cấp tỉnh"))
    assert {h.code for h in hits} <= {"2.000815", "2.000908.H19"}


def test_unknown_words_find_nothing(index):
    assert index.search("zzzz qqqq") == []
    assert index.search("   ") == []


def test_empty_index_round_trips():
    idx = SearchIndex.from_bytes(SearchIndex.build([]).to_bytes())
    assert len(idx) == 0 and idx.search("đăng ký") == []


def test_suggest_close_spelling(index):
    assert index.suggest("dang ky khai sjnh") == "dang ky khai sinh"
    assert index.suggest("dang ky khai sjnh ") == "dang ky khai sinh"  # finished
    assert index.suggest("dang ky khaj sinh") == "dang ky khai sinh"  # not the last word
    assert index.suggest("đăng ký khai sinh") is None
    assert index.suggest("qqqqqq") is None


def test_unfinished_last_word_is_completed(index):
    assert index.search("dang ky thuo")[0].code == "1.004222"
    assert index.complete("thu") == sorted(index.complete("thu"), key=lambda w: -index._df(w))
    assert "thuong" in index.complete("thuo")


def _small(names: list[str]) -> SearchIndex:
    seg = underthesea_segmenter()
    docs = [IndexDoc(f"1.00000{i}", n, index_tokens(n, seg), []) for i, n in enumerate(names)]
    docs += [IndexDoc(f"9.00000{i}", "khác", ["khac"], []) for i in range(6)]
    return SearchIndex.build(docs)


def test_a_later_longer_phrase_wins_and_stopwords_leave_phrases():
    """"làm căn cước cho bé": "căn cước cho bé" (with "cho", a stopword) beats "làm căn cước"."""
    idx = _small(["Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên",
                  "Cấp thẻ căn cước cho người dưới 14 tuổi"])
    idx.set_stopwords(["cho", "làm"])
    idx.set_synonyms([("làm căn cước", "cấp thẻ căn cước"),
                      ("căn cước cho bé", "cấp thẻ căn cước cho người dưới 14 tuổi")])
    for q in ("làm căn cước cho bé", "lam can cuoc cho be"):
        assert idx.search(q)[0].name == "Cấp thẻ căn cước cho người dưới 14 tuổi", q
    assert idx.search("làm căn cước")[0].name.startswith("Cấp thẻ căn cước")


def test_an_abbreviation_in_a_name_does_not_outweigh_the_words_spelled_out():
    """"cấp lại thẻ bảo hiểm y tế" finds the procedure named so, not one saying BHYT twice."""
    idx = _small(["Đăng ký đóng, cấp thẻ BHYT đối với người chỉ tham gia BHYT",
                  "Cấp lại thẻ bảo hiểm y tế"])
    idx.set_synonyms([("BHYT", "bảo hiểm y tế"), ("mất thẻ BHYT", "cấp lại thẻ bảo hiểm y tế")])
    for q in ("cấp lại thẻ bảo hiểm y tế", "cap lai the bao hiem y te", "mất thẻ BHYT"):
        assert idx.search(q)[0].name == "Cấp lại thẻ bảo hiểm y tế", q


def test_a_typo_is_read_as_the_closest_known_word(index):
    """A finished word the index does not know is a typo; the last one only once it begins
    no known word (while typing "thuo" still means "thuong")."""
    for q, code in (("dang ky thuogn tru", "1.004222"), ("dang ky thuong truu", "1.004222"),
                    ("đăng ký khai snh ", "1.001193")):
        assert index.plan(q).folded[-2:] in (["thuong", "tru"], ["khai", "sinh"]), q
        assert index.search(q)[0].code == code, q
    assert index.plan("dang ky thuo").folded[-1] == "thuong"


def test_question_phrases_are_dropped_typed_with_or_without_accents():
    """A stopword phrase of two words or more is unambiguous unaccented; one word is not."""
    idx = _small(["Đăng ký khai sinh", "Cấp Giấy phép hoạt động cơ sở khám bệnh"])
    idx.set_stopwords(["đề nghị cho biết", "trình tự thực hiện", "có"])
    assert idx.plan("Đề nghị cho biết trình tự thực hiện đăng ký khai sinh").folded == [
        "dang", "ki", "khai", "sinh"]
    assert idx.plan("de nghi cho biet trinh tu thuc hien dang ky khai sinh").folded == [
        "dang", "ki", "khai", "sinh"]
    assert idx.plan("có co so kham benh").folded == ["co", "so", "kham", "benh"]


def test_aliases_find_a_procedure_by_the_words_people_use(docs):
    """An alias ("vừa đẻ con trai") finds a procedure whose name and body say none of it, also
    typed without accents; and a phrase a synonym replaces ("sổ đỏ") still meets its alias."""
    situation = "vừa đẻ con trai"
    assert [h.code for h in SearchIndex.build(docs).search(situation)][:1] != ["1.001193"]
    aliases = {"1.001193": [situation], "2.000908.H19": ["sổ đỏ bị cháy"]}
    aliased = [replace(d, aliases={"alias": aliases.get(d.code, ())}) for d in docs]
    idx = SearchIndex.from_bytes(SearchIndex.build(aliased).to_bytes())
    idx.set_synonyms([("sổ đỏ", "giấy chứng nhận quyền sử dụng đất")])
    assert idx.search(situation)[0].code == "1.001193"
    assert idx.search("vua de con trai")[0].code == "1.001193"
    plan = idx.plan("so do bi chay")
    assert "so" not in plan.terms and "so" in plan.typed
    assert idx.search("so do bi chay")[0].code == "2.000908.H19"
    # Alias words count once, where they weigh most: a name word in an alias adds nothing.
    assert idx.fields["alias"].doc_len[idx.doc_of_code["1.001193"]] > 0
    plain = SearchIndex.build(docs).search("đăng ký khai sinh")[0]
    assert idx.search("đăng ký khai sinh")[0].score == pytest.approx(plain.score)


@pytest.mark.parametrize("field_name", ["broad", "situation"])
def test_wider_alias_tables_find_their_procedure_and_leave_the_reviewed_ones_weights(
        docs, field_name):
    """The broad and situations tables are fields of their own: a phrase finds its procedure,
    and their everyday words ("làm", in all of it) do not lower what the reviewed aliases'
    words weigh."""
    reviewed = {"1.001193": ["làm giấy cho con mới đẻ"], "1.004222": ["nhập hộ khẩu"]}
    broad = {code: [f"làm giấy tờ {n}"] for n, code in enumerate(
        ["1.004194", "1.003197", "2.000815", "1.001612"])}
    broad["1.003197"].append("đi nước ngoài định cư")

    def build(with_broad: bool) -> SearchIndex:
        return SearchIndex.build([
            replace(d, aliases={"alias": reviewed.get(d.code, ()),
                                field_name: broad.get(d.code, ()) if with_broad else ()})
            for d in docs])

    alone, both = build(False), build(True)
    lam = both.term_ids["lam"]
    assert both.fields[field_name].idf[lam] < both.fields["alias"].idf[lam]
    assert both.fields["alias"].idf[lam] == alone.fields["alias"].idf[alone.term_ids["lam"]]
    assert [h.code for h in alone.search("định cư nước ngoài")][:1] != ["1.003197"]
    first = both.search("định cư nước ngoài")[0]
    assert (first.code, first.alias) == ("1.003197", "đi nước ngoài định cư")
    assert both.search("lam giay cho con moi de")[0].code == "1.001193"


def test_an_alias_is_shown_only_when_the_words_it_adds_weigh(docs):
    """A hit shows the alias that explains it; one everyday word ("làm", in most aliases) that
    the name lacks explains nothing, so no alias is shown for it, unless it stands in a phrase
    the query and the alias share."""
    aliases = {"1.001193": ["vừa đẻ con trai", "làm giấy khai sinh cho con"],
               "1.004222": ["làm hộ khẩu"], "1.004194": ["làm tạm trú cho người thuê trọ"],
               "2.000815": ["làm bản sao công chứng"], "1.001612": ["làm giấy phép buôn bán"]}
    idx = SearchIndex.build([replace(d, aliases={"alias": aliases.get(d.code, ())})
                             for d in docs])
    first = idx.search("vừa đẻ")[0]
    assert (first.code, first.alias) == ("1.001193", "vừa đẻ con trai")
    first = idx.search("lam ho khau")[0]
    assert (first.code, first.alias) == ("1.004222", "làm hộ khẩu")
    first = idx.search("làm khai sinh")[0]  # "làm giấy khai sinh cho con" adds only "làm"
    assert (first.code, first.alias) == ("1.001193", None)
    # "sổ" is in most aliases, but "sổ đỏ", a phrase the name lacks, explains the hit.
    aliases = {"2.000908.H19": ["mất sổ đỏ"], "1.004222": ["sổ hộ khẩu"],
               "1.004194": ["sổ tạm trú"], "1.001612": ["sổ hộ kinh doanh"],
               "2.000815": ["sổ công chứng"]}
    idx = SearchIndex.build([replace(d, aliases={"alias": aliases.get(d.code, ())})
                             for d in docs])
    assert idx._alias_weight({"so"}) < idx._alias_shown_floor()
    first = idx.search("mất sổ đỏ")[0]
    assert (first.code, first.alias) == ("2.000908.H19", "mất sổ đỏ")


def test_an_accented_query_is_explained_only_by_an_alias_with_its_tones(docs):
    """Typed with tones, "táng" (mai táng, a burial) does not explain an alias that says
    "tặng" (a gift), nor does a synonym's "mai táng"; typed without tones, either may be
    meant, and the alias is shown."""
    aliases = {"2.000908.H19": ["bố mẹ tặng đất cho con"]}
    idx = SearchIndex.build([replace(d, aliases={"alias": aliases.get(d.code, ())})
                             for d in docs])

    def shown(query: str) -> str | None:
        return next(h.alias for h in idx.search(query) if h.code == "2.000908.H19")

    assert shown("tặng đất") == "bố mẹ tặng đất cho con"
    assert shown("tang dat") == "bố mẹ tặng đất cho con"
    assert shown("táng đất") is None
    # A synonym's official wording keeps its tones, however the query was typed.
    idx.set_synonyms([("bà mất", "đăng ký khai tử mai táng")])
    assert shown("ba mat") is None


def test_siblings_are_told_apart_by_the_action_the_query_names():
    """Siblings keep the places they won, but the one naming the query's action ("đổi" →
    Cấp đổi) comes first, however many alias words another has; đòi is not đổi."""
    seg = underthesea_segmenter()
    thing = "Giấy chứng nhận đủ điều kiện về an ninh, trật tự"
    rows = [(f"Cấp mới {thing}", ["giấy an ninh trật tự cho khách sạn nhà nghỉ karaoke"]),
            (f"Cấp đổi {thing}", []), (f"Cấp lại {thing}", []),
            ("Cấp giấy phép kinh doanh karaoke", []),
            ("Cấp Giấy chứng nhận người khai thác tàu bay", []),
            ("Gia hạn, sửa đổi, bổ sung Giấy chứng nhận người khai thác tàu bay", [])]
    idx = SearchIndex.build(
        [IndexDoc(f"1.00000{i}", n, index_tokens(n, seg), [], aliases={"alias": a})
         for i, (n, a) in enumerate(rows)]
        + [IndexDoc(f"9.00000{i}", "khác", ["khac"], []) for i in range(6)])

    def first(query: str) -> str:
        return idx.search(query)[0].name.split(" Giấy")[0]

    said = "giấy an ninh trật tự khách sạn nhà nghỉ karaoke"
    assert first(said) == "Cấp mới"
    assert first(f"đổi {said}") == first(f"doi {fold(said)}") == "Cấp đổi"
    assert first(f"đòi {said}") == "Cấp mới"
    assert {h.code for h in idx.search(f"đổi {said}")[:3]} == {
        h.code for h in idx.search(said)[:3]}
    assert first("gia hạn giấy chứng nhận khai thác tàu bay") == "Gia hạn, sửa đổi, bổ sung"
    assert first("cấp mới giấy chứng nhận khai thác tàu bay") == "Cấp"
    # Words that say the same thing are one action; one inside a longer one is not read.
    assert first(f"làm lại {said}") == "Cấp lại"
    assert first("đổi giấy chứng nhận khai thác tàu bay") == "Cấp"  # not "sửa đổi"
    assert set(ACTIONS.values()) <= set(ACTIONS)


def test_the_second_stage_prefers_the_procedure_that_holds_the_whole_situation():
    """"bác sĩ về hưu muốn mở phòng mạch tư tại nhà": the first stage puts a name sharing
    "mở … tại … nhà" first; the second puts the one whose situation says "phòng mạch tư"."""
    seg = underthesea_segmenter()
    rows = [("Mở tài khoản thanh toán tại Ngân hàng Nhà nước", []),
            ("Cấp mới giấy phép hoạt động khám bệnh, chữa bệnh", ["phòng mạch tư"]),
            ("Đăng ký khai sinh", ["vợ vừa sinh em bé"]),
            ("Đăng ký thường trú", ["nhập hộ khẩu về nhà bố mẹ"])]
    idx = SearchIndex.build(
        [IndexDoc(f"1.00000{i}", n, index_tokens(n, seg), [], aliases={"situation": a})
         for i, (n, a) in enumerate(rows)]
        + [IndexDoc(f"9.00000{i}", "khác", ["khac"], []) for i in range(6)])
    second_stage = idx.rerank_weights
    for query in ("bác sĩ về hưu muốn mở phòng mạch tư tại nhà",
                  "bac si ve huu muon mo phong mach tu tai nha"):
        assert idx.search(query)[0].name.startswith("Cấp mới giấy phép hoạt động khám bệnh")
        idx.rerank_weights = None
        assert idx.search(query)[0].name.startswith("Mở tài khoản")
        idx.rerank_weights = second_stage
    # The list keeps its strength: each place keeps the first stage's score, best first.
    scores = [h.score for h in idx.search("bác sĩ mở phòng mạch tư tại nhà")]
    assert scores == sorted(scores, reverse=True)


def test_rerank_features_read_an_abbreviation_either_way():
    """Coverage counts an abbreviation as covered by either spelling: a name spelling "HKD"
    out covers all of "đăng ký thành lập HKD", and one saying "HKD" covers that word too. The
    first-stage columns are relative to the best candidate."""
    idx = _small(["Đăng ký thành lập hộ kinh doanh", "Thông báo tạm ngừng kinh doanh HKD"])
    idx.set_synonyms([("HKD", "hộ kinh doanh")])
    for query in ("đăng ký thành lập HKD", "đăng ký thành lập hộ kinh doanh"):
        plan = idx.plan(query)
        docs, scores = idx.first_stage(plan, query)
        column = dict(zip(RERANK_WEIGHTS, idx.rerank_features(plan, docs, scores).T))
        coverage = dict(zip((idx.names[d] for d in docs), column["coverage"]))
        assert coverage["Đăng ký thành lập hộ kinh doanh"] == pytest.approx(1.0), query
        assert 0 < coverage["Thông báo tạm ngừng kinh doanh HKD"] < 1, query
        assert column["score"][0] == 1.0
        assert column["rank"].tolist() == [1 / i for i in range(1, len(docs) + 1)]


def test_aspect_words_inside_a_phrase_do_not_break_it():
    """"bố tôi vừa mới mất" says "bố mất" (a synonym for khai tử); "mới" and "vừa" elsewhere
    stay in the query ("cấp mới", "nhỏ và vừa"), and a phrase holding one still matches it."""
    idx = _small(["Đăng ký khai tử", "Cấp mới giấy phép môi trường",
                  "Hỗ trợ doanh nghiệp nhỏ và vừa", "Đăng ký khai sinh"])
    idx.set_stopwords(["tôi", "toi"])
    idx.set_synonyms([("bố mất", "đăng ký khai tử"), ("con mới sinh", "đăng ký khai sinh")])
    for query in ("bố tôi mới mất", "bố tôi vừa mới mất", "bo toi vua mat"):
        assert idx.plan(query).folded == ["dang", "ki", "khai", "tu"], query
        assert idx.search(query)[0].name == "Đăng ký khai tử", query
    assert idx.plan("con mới sinh").folded == ["dang", "ki", "khai", "sinh"]
    assert idx.plan("cấp mới giấy phép").folded == ["cap", "moi", "giay", "phep"]
    assert idx.plan("doanh nghiệp nhỏ và vừa").folded[-1] == "vua"
