from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from rag.index.sparse import STOPWORDS, SparseIndex, tokenize
from rag.lang.words import DOMAIN_DICT

DOCS = [
    "2020年共收到依申请公开56件，均在法定期限内答复。",
    "全年办理行政复议案件20件，纠错率5%。",
    "全面落实行政执法三项制度，开展“双随机、一公开”抽查120次。",
    "12345热线办结率达99.5%，群众满意率明显提升。",
    "深入学习贯彻习近平法治思想，组织领导干部会前学法12次。",
    "推进“互联网+监管”，完成实施清单编制。",
]


def test_domain_terms_stay_whole() -> None:
    assert "依申请公开" in tokenize("2020年依申请公开收到几件？")
    assert "行政执法三项制度" in tokenize("行政执法三项制度落实不到位")
    assert "双随机一公开" in tokenize("开展“双随机、一公开”抽查")
    assert "互联网+监管" in tokenize("全面推进“互联网+监管”")
    assert "12345热线" in tokenize("12345热线办结率")
    assert "习近平法治思想" in tokenize("学习习近平法治思想")
    assert "出庭应诉率" in tokenize("行政机关负责人出庭应诉率达100%")


def test_search_mode_also_gives_the_parts() -> None:
    tokens = tokenize("依申请公开")
    assert {"依申请公开", "申请", "公开"} <= set(tokens)


def test_numbers_and_years_are_tokens_punctuation_and_stopwords_are_not() -> None:
    tokens = tokenize("2020年，共收到申请56件；办结率93.3%。")
    assert "2020" in tokens and "56" in tokens and "93.3%" in tokens
    assert not {"，", "；", "。", " ", "年", "的"} & set(tokens)
    assert tokenize("２０２０年") == ["2020"]  # full-width digits fold (tokens only)
    assert "哪些" not in tokenize("有哪些问题") and "问题" in tokenize("有哪些问题")


@pytest.mark.parametrize("text", ["", "   ", "。，、！？", "\n\n\t"])
def test_empty_and_punctuation_only_text_has_no_tokens(text: str) -> None:
    assert tokenize(text) == []


def test_domain_dictionary_is_big_enough_and_has_the_core_terms() -> None:
    terms = [line.split()[0] for line in DOMAIN_DICT.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(terms) >= 60
    for term in ("放管服", "双随机、一公开", "三项制度", "重大行政决策", "合法性审核", "出庭应诉率", "八五普法",
                 "谁执法谁普法", "民法典", "证照分离", "一网通办", "公职律师"):
        assert term in terms
    assert not STOPWORDS & set(terms)


def test_jieba_initialises_silently() -> None:
    code = "from rag.index.sparse import tokenize; print(tokenize('法治政府建设情况报告'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == ""
    assert "法治政府" in done.stdout


def test_bm25_ranks_the_matching_document_first() -> None:
    index = SparseIndex().build(DOCS, ids=[10, 11, 12, 13, 14, 15])
    assert index.search("2020年依申请公开收到几件", 3)[0][0] == 10
    assert index.search("行政复议纠错率", 3)[0][0] == 11
    assert index.search("双随机一公开", 3)[0][0] == 12
    assert index.search("12345热线", 3)[0][0] == 13
    hits = index.search("公开", 10)
    assert [h[1] for h in hits] == sorted((h[1] for h in hits), reverse=True)
    assert all(score > 0 for _, score in hits)


def test_allowed_rows_restrict_the_results() -> None:
    index = SparseIndex().build(DOCS, ids=[10, 11, 12, 13, 14, 15])
    assert index.search("纠错率", 5) != [] and index.search("纠错率", 5, allowed_rows=[12, 13]) == []
    assert [r for r, _ in index.search("公开", 5, allowed_rows=np.array([12, 99]))] == [12]
    assert index.search("公开", 5, allowed_rows=[]) == []


def test_k_and_unknown_terms() -> None:
    index = SparseIndex().build(DOCS)
    assert len(index.search("率", 2)) <= 2
    assert index.search("完全无关的词汇组合xyz", 5) == []
    assert index.search("", 5) == []
    assert index.search("公开", 0) == []


def test_save_and_load_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    index = SparseIndex().build(DOCS, ids=[5, 3, 9, 1, 7, 2])
    index.stamp = "4-abc"
    index.save(tmp_path / "bm25.npz")
    loaded = SparseIndex.load(tmp_path / "bm25.npz")
    assert loaded.stamp == "4-abc"
    for query in ("依申请公开", "行政执法三项制度", "学法"):
        assert loaded.search(query, 5) == index.search(query, 5)
        assert loaded.search(query, 5, allowed_rows=[3, 9]) == index.search(query, 5, allowed_rows=[3, 9])


def test_load_refuses_files_that_are_not_an_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a numpy file at all")
    with pytest.raises(ValueError):
        SparseIndex.load(bad)
    np.savez(tmp_path / "other.npz", header=np.frombuffer(b'{"format": "x"}', dtype=np.uint8), ids=np.zeros(0))
    with pytest.raises(ValueError):
        SparseIndex.load(tmp_path / "other.npz")
    with pytest.raises(ValueError):
        SparseIndex.load(tmp_path / "missing.npz")


def test_empty_index_and_bad_ids() -> None:
    empty = SparseIndex().build([])
    assert len(empty) == 0 and empty.search("公开", 5) == []
    no_words = SparseIndex().build(["。。。", ""])
    assert no_words.search("公开", 5) == []
    with pytest.raises(ValueError):
        SparseIndex().build(["a", "b"], ids=[1, 1])
    with pytest.raises(ValueError):
        SparseIndex().build(["a", "b"], ids=[1])


def test_ties_are_broken_by_id_whatever_k() -> None:
    index = SparseIndex().build(["依申请公开"] * 30 + ["其他内容"], ids=list(range(100, 131)))
    full = index.search("依申请公开", 50)
    assert [r for r, _ in full] == list(range(100, 130))
    for k in (1, 5, 17):
        assert index.search("依申请公开", k) == full[:k]


def test_traditional_and_simplified_text_meet_in_search() -> None:
    from rag.index.sparse import SparseIndex, tokenize

    assert tokenize("調整權責清單207項") == tokenize("调整权责清单207项")
    index = SparseIndex().build(["全年辦理行政復議申請106件", "主动公开政府信息3700余条"])
    assert index.search("行政复议申请", 1)[0][0] == 0
