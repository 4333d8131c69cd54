"""The issuer by candidate scoring and the signature shapes of printed reports (report-patterns §18)."""

from __future__ import annotations

from pathlib import Path

from rag.report.issuer import signature_org
from rag.report.issuer_scoring import Candidate, pick
from rag.report.parse import load_report

_PARTS = ("一、主要举措和成效\n全年办理行政执法案件12件，开展执法检查86次。\n二、存在的问题\n一是执法人员偏少。二是培训不够。\n"
          "三、下一步工作安排\n一是充实执法力量。二是开展轮训。\n")
_OPENING = "2024年，我局坚持以法治思想为指导，全面落实法治政府建设实施纲要，统筹推进严格规范公正文明执法。\n"


def _report(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "r.txt"
    path.write_text(text, encoding="utf-8")
    return load_report(path, 2**20)


def test_signature_line_shapes() -> None:
    assert signature_org("青田县水利局") == "青田县水利局"
    assert signature_org("青田县水利局（盖章）") == "青田县水利局"
    assert signature_org("青田县水利局(印章)") == "青田县水利局"
    assert signature_org("青田县水利局　　2024年1月20日") == "青田县水利局"
    assert signature_org("青田县水利局（盖章） 二〇二四年一月二十日") == "青田县水利局"
    assert signature_org("全年办理案件12件") == ""


def test_a_sealed_signature_names_the_issuer(tmp_path: Path) -> None:
    meta = _report(tmp_path, f"{_OPENING}{_PARTS}\n青田县水利局（盖章）\n2024年1月20日\n").meta
    assert meta.issuing_body == "青田县水利局"
    assert meta.level == "部门"


def test_a_signature_with_its_date_on_one_line(tmp_path: Path) -> None:
    meta = _report(tmp_path, f"{_OPENING}{_PARTS}\n青田县水利局　　2024年1月20日\n").meta
    assert meta.issuing_body == "青田县水利局"
    assert meta.date == "2024-01-20"


def test_the_body_the_self_designation_agrees_with_outweighs_a_signature_of_another_kind(tmp_path: Path) -> None:
    # the county's report, signed by the office that drafted it: 我县 and the opening's subject agree
    text = ("2024年，青田县人民政府坚持以法治思想为指导，全面落实法治政府建设实施纲要，我县法治政府建设取得新进展。\n"
            f"{_PARTS}\n青田县人民政府办公室\n2025年1月20日\n")
    meta = _report(tmp_path, text).meta
    assert meta.issuing_body == "青田县人民政府"
    assert meta.level == "区县级"


def test_the_addressee_is_never_the_issuer() -> None:
    addressee = Candidate("城东区委全面依法治区委员会", {"opening": "正文开头"}, {"addressee": 1.0})
    township = Candidate("东关街道办事处", {"self_township": "自称"}, {"kind": 1.0})
    assert pick([addressee, township]).name == "东关街道办事处"


def test_close_candidates_are_left_undecided() -> None:
    site = Candidate("青田县人民政府", {"header": "页首"})
    office = Candidate("青田县司法局", {"header": "页首"})
    choice = pick([site, office])
    assert choice.name == ""
    assert set(choice.contenders) == {"青田县人民政府", "青田县司法局"}
    assert pick([]).name == ""


def test_agreement_of_sources_adds_up() -> None:
    both = Candidate("青田县人民政府", {"title": "标题", "signature": "落款"})
    opening = Candidate("青田县司法局", {"opening": "正文开头"})
    choice = pick([opening, both])
    assert choice.name == "青田县人民政府"
    assert choice.evidence == "标题"
