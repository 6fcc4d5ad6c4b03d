"""Tokenisation, query parsing, snippets and hit boxes (no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hukou_scan.domain import idnumber
from hukou_scan.domain.models import OcrWord
from hukou_scan.domain.search import AtomKind, IndexDoc, IndexScope
from hukou_scan.search.highlight import contains_phrases, find_spans, hit_boxes, snippet
from hukou_scan.search.query import id_equivalents, parse
from hukou_scan.search.tokens import index_tokens, normalize, runs
from hukou_scan.storage.search import doc_tokens, fts5_match, pg_tsquery


def test_cjk_runs_become_unigrams_and_bigrams() -> None:
    uni, bi = index_tokens("姓名：王伟，男")
    assert uni == ("姓", "名", "王", "伟", "男")
    assert bi == ("姓名", "王伟")  # punctuation ends a run; a lone 男 has no bigram


def test_spaces_between_cjk_are_ignored_but_line_breaks_split() -> None:
    assert index_tokens("李 娜")[1] == ("李娜",)
    assert index_tokens("李\n娜")[1] == ()


def test_full_width_and_latin_words_normalised() -> None:
    _uni, bi = index_tokens("档号ＡＢＣ－１２ 11010519850312001X")
    assert "abc" in bi and "12" in bi and "11010519850312001x" in bi
    assert normalize("ＸＹ") == "xy"


def test_query_kinds() -> None:
    q = parse("王 王伟 户籍登记 1101")
    kinds = [g.alternatives[0].kind for g in q.groups]
    assert kinds == [AtomKind.UNIGRAM, AtomKind.PHRASE, AtomKind.PHRASE, AtomKind.PREFIX]
    assert q.groups[2].alternatives[0].tokens == ("户籍", "籍登", "登记")
    assert q.phrases == ("户籍登记",)
    assert q.field_value == ""
    one = parse("王伟")
    assert one.field_value == "王伟" and one.name_like and one.phrases == ()


def test_id_numbers_15_and_18() -> None:
    first17 = "11010119850312001"
    id18 = first17 + idnumber.check_digit(first17)
    id15 = id18[:6] + id18[8:17]
    assert set(id_equivalents(id18)) == {id18.lower(), id15}
    assert set(id_equivalents(id15)) == {id15, id18.lower()}
    q = parse(id15)
    assert len(q.groups) == 1 and len(q.groups[0].alternatives) == 2
    assert parse("110101198").id_prefix == "110101198"


def test_empty_and_punctuation_queries() -> None:
    assert parse("").empty
    assert parse("，。！？").empty


def test_backend_rendering_is_equivalent() -> None:
    q = parse("王 户籍登记 1101")
    assert fts5_match(q.groups, IndexScope.ALL) == '"王" AND ("户籍" AND "籍登" AND "登记") AND "1101"*'
    assert pg_tsquery(q.groups, IndexScope.ALL) == "'王' & ('户籍' & '籍登' & '登记') & '1101':*"
    assert fts5_match(parse("王伟").groups, IndexScope.META) == '"_王伟"'
    doc = IndexDoc("p", "b", "s", "出生", None, False, "", ("王",), ("王伟",), ("李",), ("李娜",))  # type: ignore[arg-type]
    assert doc_tokens(doc) == ["王伟", "王", "李娜", "李", "_李娜", "_李"]


def test_snippet_marks_the_hit() -> None:
    text = "常住人口登记表\n" + "备注" * 40 + "\n姓名 王 伟 性别 男\n" + "住址" * 40
    s, spans = snippet(text, ["王伟"], width=30)
    assert s.startswith("…") and s.endswith("…")
    ((a, b),) = spans
    assert s[a:b] == "王 伟"
    assert snippet("abc", ["不在"]) == ("abc", [])


def test_find_spans_and_phrase_confirmation() -> None:
    assert find_spans("王伟 王 伟", ["王伟"]) == [(0, 2), (3, 6)]
    assert contains_phrases("户 籍 登记", ["户籍登记"])
    assert not contains_phrases("户籍 和 登记", ["户籍登记"])


def test_hit_boxes_cover_whole_and_partial_words() -> None:
    words = [OcrWord("姓名", 10, 10, 80, 40, 0.9), OcrWord("王伟民", 100, 10, 120, 40, 0.9)]
    (box,) = hit_boxes(words, ["王伟"])
    assert (box.x, box.y, box.w, box.h) == (100, 10, 80, 40)
    boxes = hit_boxes(words, ["名王"])  # a hit across two words gets a box in each
    assert [(b.x, b.w) for b in boxes] == [(50, 40), (100, 40)]
    assert hit_boxes(words, ["张三"]) == []


@given(st.text(alphabet="王伟李娜户籍登记 \n,1234abc", max_size=60))
def test_every_indexed_substring_is_found_again(text: str) -> None:
    """Anything a 2-character query can match in the index, highlighting finds in the text."""
    _uni, bi = index_tokens(text)
    for token in bi:
        if all("\u4e00" <= c <= "\u9fff" for c in token):
            assert find_spans(text, [token]), (text, token)
    assert all(r.text for r in runs(normalize(text)))
