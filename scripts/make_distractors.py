"""Write realistic distractor reports (other places, other years) into data/distractors/.

Each distractor is one of the five samples re-issued for another place and/or year: place names,
years, 文号, dates and figures changed, the measures sub-sections shuffled and the problems section
rewritten with other items. The same sentence shapes thus exist for the wrong place and year, so a
retrieval evaluation over samples + distractors tests that the right *report* is found, not just
the right kind of sentence. Deterministic: the same command always writes the same files.

    .venv/bin/python scripts/make_distractors.py [--out data/distractors] [--check]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
CN_NUM = "一二三四五六七八九十"
TOP_HEADING = re.compile(r"^\s*[一二三四五六七八九十]+、")
SUB_HEADING = re.compile(r"^(\s*)([（(])([一二三四五六七八九十]+)([）)])")
# Years that are "the report's own" (not part of a range like 2015—2020年, not inside a 纲要 name).
OWN_YEAR = re.compile(r"(?<![—\-–－~\d])(201[6-9]|202[0-4])(?=年(?![—\-–－])|〕|-\d\d-\d\d|年度)")
FIGURE = re.compile(r"(?<![第〔\d.])(\d+(?:\.\d+)?)(?=(?:余|多)?(?:件|项|个|次|名|人次|人|条|份|场|户|宗|家|期|台|%))")


@dataclass(frozen=True)
class Template:
    sample: str  # file name in data/samples
    year: int  # the year reported on
    first_line: int  # 1-based inclusive range of the sample's lines kept (the report, no ads)
    last_line: int
    style: str  # how the problems section is written: biru | yishi | numbered | shortboard
    problems_start: str  # the paragraph of problems to replace starts with this


TEMPLATES = {
    "000": Template("000_b860dcfb9e60ff33.txt", 2020, 4, 26, "shortboard", "经过梳理"),
    "001": Template("001_90f388ef81cabcb7.txt", 2021, 12, 152, "yishi", "一是政府职能"),
    "002": Template("002_0158dad679362a71.txt", 2020, 3, 39, "biru", "虽然我办"),
    "003": Template("003_340d6b83137f3ef6.txt", 2020, 1, 94, "yishi", "一是普法宣传"),
    "004": Template("004_0c07f546518aa335.txt", 2021, 1, 17, "numbered", "（一）理论学习"),
}


@dataclass(frozen=True)
class Variant:
    tag: str  # ascii file-name tag
    template: str
    year: int
    place: str = ""  # full name, e.g. 铜梁区 / 深圳市 ("" = keep the sample's own place)
    short: str = ""  # short form used inside names, e.g. 铜梁 / 深圳
    code: str = ""  # 文号 prefix for 004-style reports, e.g. 薛 (薛政办字)
    city: str = ""  # parent city for districts named in the title, e.g. 枣庄市


VARIANTS = [
    # 重庆 district offices, 002 shape (潼南区 2020): other districts, and 潼南区 in other years.
    Variant("tongliang_2020", "002", 2020, "铜梁区", "铜梁"),
    Variant("dazu_2020", "002", 2020, "大足区", "大足"),
    Variant("rongchang_2021", "002", 2021, "荣昌区", "荣昌"),
    Variant("bishan_2020", "002", 2020, "璧山区", "璧山"),
    Variant("hechuan_2019", "002", 2019, "合川区", "合川"),
    Variant("yongchuan_2022", "002", 2022, "永川区", "永川"),
    Variant("tongnan_2021", "002", 2021),
    Variant("tongnan_2019", "002", 2019),
    # 广东 city general offices, 003 shape (广州市 2020): other cities, and 广州市 in other years.
    Variant("shenzhen_2020", "003", 2020, "深圳市", "深圳"),
    Variant("foshan_2020", "003", 2020, "佛山市", "佛山"),
    Variant("dongguan_2021", "003", 2021, "东莞市", "东莞"),
    Variant("zhuhai_2019", "003", 2019, "珠海市", "珠海"),
    Variant("guangzhou_2021", "003", 2021),
    Variant("guangzhou_2019", "003", 2019),
    # 山东 district offices, 004 shape (台政办字〔2022〕1号, 2021).
    Variant("xuecheng_2021", "004", 2021, "薛城区", "薛城", "薛", "枣庄市"),
    Variant("yicheng_2021", "004", 2021, "峄城区", "峄城", "峄", "枣庄市"),
    Variant("shanting_2020", "004", 2020, "山亭区", "山亭", "山", "枣庄市"),
    Variant("shizhong_2022", "004", 2022, "市中区", "市中", "市中", "枣庄市"),
    Variant("tai_2020", "004", 2020),
    Variant("tai_2022", "004", 2022),
    # City general offices, 000 shape (X市 2020, masked): masked in other years, and named cities.
    Variant("xcity_2019", "000", 2019),
    Variant("xcity_2021", "000", 2021),
    Variant("shantou_2020", "000", 2020, "汕头市", "汕头"),
    Variant("xiamen_2021", "000", 2021, "厦门市", "厦门"),
    # District self-inspection reports, 001 shape (2021年度督察自查报告): other years and places.
    Variant("district_2020", "001", 2020),
    Variant("beibei_2022", "001", 2022, "北碚区", "北碚"),
    Variant("banan_2019", "001", 2019, "巴南区", "巴南"),
]

# Problems the distractors report instead of the samples' own (title, detail).
PROBLEM_POOL = [
    ("行政执法规范化水平有待提升", "个别执法人员执法程序不够规范，执法文书制作质量参差不齐"),
    ("基层执法力量相对薄弱", "镇街综合执法队伍专业人员不足，承接下放事项的能力有待加强"),
    ("重大行政决策程序执行不够严格", "部分决策事项公众参与、专家论证不充分，决策后评估开展较少"),
    ("规范性文件管理仍有短板", "个别部门规范性文件合法性审核把关不严，清理工作不够及时"),
    ("法治宣传覆盖面还不够广", "普法形式较为单一，针对企业和新就业群体的普法宣传针对性不强"),
    ("行政复议应诉能力有待加强", "行政机关负责人出庭应诉“出庭不出声”现象仍有发生，应诉答辩质量不高"),
    ("政务公开质量有待提高", "政策解读形式单一，部分信息公开不够及时、不够全面"),
    ("数字法治政府建设相对滞后", "执法信息平台数据共享不足，“互联网+监管”应用不够充分"),
    ("法治工作队伍建设需要加强", "法制机构人员配备不足，专业法律人才缺乏，法律顾问作用发挥不够"),
    ("矛盾纠纷多元化解机制不够完善", "行政调解、行政裁决作用发挥不充分，信访法治化水平有待提高"),
    ("营商环境法治保障有待优化", "涉企行政检查统筹不够，包容审慎监管措施落实不够到位"),
    ("领导干部法治意识有待增强", "少数领导干部运用法治思维和法治方式解决问题的能力不足"),
    ("考核督察作用发挥不够充分", "法治建设考核指标设置不够科学，督察整改跟踪问效不够到位"),
    ("突发事件依法应对能力需要提升", "应急预案修订不够及时，应急状态下依法处置的能力有待加强"),
    ("行政执法监督机制不够健全", "执法监督力度不够强，对执法不作为、乱作为的问责不够有力"),
    ("法治建设与业务工作融合不够", "存在重业务轻法治的倾向，法治建设与业务工作“两张皮”问题仍然存在"),
    ("学法用法制度落实不够到位", "集中学法存在以会代学现象，学法考试的约束作用发挥不够"),
    ("权责清单动态调整不够及时", "部分事项调整后清单未同步更新，事中事后监管衔接不够紧密"),
]


def shift_years(text: str, delta: int) -> str:
    if not delta:
        return text
    return OWN_YEAR.sub(lambda m: str(int(m.group(1)) + delta), text)


def perturb_figures(text: str, rng: random.Random, probability: float = 0.6) -> str:
    def change(m: re.Match[str]) -> str:
        raw = m.group(1)
        if rng.random() > probability:
            return raw
        value = float(raw) * rng.uniform(0.55, 1.7)
        is_percent = text[m.end() : m.end() + 1] == "%" or text[m.end() : m.end() + 2] in ("余%", "多%")
        if is_percent:
            value = min(value, 100.0)
        if "." in raw:
            decimals = len(raw.split(".")[1])
            return f"{value:.{decimals}f}"
        return str(max(1, round(value)))

    return FIGURE.sub(change, text)


def shuffle_subsections(lines: list[str], rng: random.Random) -> list[str]:
    """Shuffle the （一）（二）… blocks of the first top-level section and renumber them."""
    tops = [i for i, line in enumerate(lines) if TOP_HEADING.match(line)]
    if not tops:
        return lines
    start, end = tops[0] + 1, tops[1] if len(tops) > 1 else len(lines)
    starts = [i for i in range(start, end) if SUB_HEADING.match(lines[i])]
    if len(starts) < 2:
        return lines
    blocks = [lines[a:b] for a, b in zip(starts, [*starts[1:], end], strict=True)]
    rng.shuffle(blocks)
    renumbered: list[str] = []
    for n, block in enumerate(blocks):
        head = SUB_HEADING.sub(lambda m, n=n: f"{m.group(1)}{m.group(2)}{CN_NUM[n]}{m.group(4)}", block[0], count=1)
        renumbered.extend([head, *block[1:]])
    return lines[: starts[0]] + renumbered + lines[end:]


def write_problems(style: str, items: list[tuple[str, str]]) -> str:
    if style == "biru":
        body = "；".join(f"{t}，{d}" for t, d in items)
        return f"虽然我办在推进依法行政过程中取得了一定成效，但还存在一些不足。比如：{body}。"
    if style == "shortboard":
        body = "；".join(f"在{t[:4]}方面，{d}" for t, d in items)
        return f"经过梳理，法治政府建设工作还存在一定短板，比如{body}，等等。 "
    if style == "numbered":
        return "\n".join(f"（{CN_NUM[i]}）{t}。{d}。" for i, (t, d) in enumerate(items))
    return "".join(f"{CN_NUM[i]}是{t}，{d}。" for i, (t, d) in enumerate(items))


def replace_problems(lines: list[str], template: Template, rng: random.Random) -> list[str]:
    count = {"numbered": 3, "yishi": rng.choice([2, 3, 4]), "biru": 2, "shortboard": 3}[template.style]
    items = rng.sample(PROBLEM_POOL, count)
    out: list[str] = []
    skipping = False
    for line in lines:
        if line.lstrip().startswith(template.problems_start):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + write_problems(template.style, items))
            skipping = template.style == "numbered"  # 004 lists its problems on several lines
            continue
        if skipping:
            if TOP_HEADING.match(line):
                skipping = False
            else:
                continue
        out.append(line)
    return out


def rename_place(text: str, template: str, v: Variant, rng: random.Random) -> str:
    if not v.place:
        return text
    if template == "002":
        return text.replace("潼南区", v.place).replace("潼南", v.short)
    if template == "003":
        return text.replace("广州市", v.place).replace("广州", v.short)
    if template == "000":
        for old, new in [
            ("X市政府", f"{v.place}政府"),
            ("XX市", v.place),
            ("XX经济特区", f"{v.short}经济特区"),
            ("XX政府在线", f"{v.short}政府在线"),
            ("XX在行动", f"{v.short}在行动"),
            ("iXX", f"i{v.short}"),
        ]:
            text = text.replace(old, new)
        text = re.sub(r"(助力|为|赋予)XX", rf"\g<1>{v.short}", text)
        # A named city publishes its figures: unmask them with invented values.
        return re.sub(r"X+(?=[件项个条名次余月])", lambda m: str(rng.randint(3, 9) * 10 ** (len(m.group()) - 1)), text)
    if template == "001":
        text = text.replace("唐川书记", rng.choice(["王刚书记", "李伟书记", "陈明书记"]))
        text = text.replace("仙桃数据谷公司、统景镇", f"{v.short}高新区、{v.short}街道")
        text = text.replace("龙山街道", rng.choice(["天生街道", "北泉街道", "鱼洞街道"]))
        return text
    return text


def retitle(text: str, template: str, v: Variant, rng: random.Random) -> str:
    """Titles, 文号, signatures and dates that name the variant's body, year and date."""
    issued = v.year + 1
    serial = rng.randint(2, 48)
    text = re.sub(r"〔(\d{4})〕(\d+)号", lambda m: f"〔{m.group(1)}〕{serial if m.group(1) == str(issued) else m.group(2)}号", text)
    month, day = rng.randint(1, 3), rng.randint(1, 28)
    text = re.sub(rf"{issued}年\d{{1,2}}月\d{{1,2}}日(\s*)$", rf"{issued}年{month}月{day}日\g<1>", text)
    text = re.sub(rf"{issued}-\d\d-\d\d", f"{issued}-{month:02d}-{day:02d}", text)
    if template == "004":
        body = f"{v.city}{v.place}人民政府办公室" if v.place else ""
        if v.code:
            text = text.replace("台政办字", f"{v.code}政办字")
        text = text.replace(" 关于", f" {body}关于", 1)
        if v.place:
            text = text.rstrip() + f"\n\n{body}\n{issued}年{month}月{day}日\n"
    if template == "001":
        title = f"{v.year}年度法治政府督察自查报告"
        text = text.replace(title, f"{v.place}{title}", 1)
        if v.place:
            text = text.replace("我区坚持", f"{v.place}坚持", 1)
    return text


def make_variant(v: Variant) -> str:
    template = TEMPLATES[v.template]
    rng = random.Random(f"reportqa-distractor-{v.tag}")
    raw = (SAMPLES / template.sample).read_text(encoding="utf-8").splitlines()
    lines = [line for line in raw[template.first_line - 1 : template.last_line] if "酷乐文行" not in line]
    lines = shuffle_subsections(lines, rng)
    lines = replace_problems(lines, template, rng)
    text = "\n".join(lines) + "\n"
    text = shift_years(text, v.year - template.year)
    if v.year != template.year:  # a dated remark true only of the sample's own year
        text = text.replace("年是中国共产党建党100周年，是开启社会主义现代化建设新征程的关键之年", "年是全面建设社会主义现代化国家新征程中的重要一年")
    text = rename_place(text, v.template, v, rng)
    text = perturb_figures(text, rng)
    return retitle(text, v.template, v, rng)


README = """# Distractor reports (generated)

Written by `scripts/make_distractors.py`; do not edit by hand, run the script again.

Each file re-issues one of the five samples in `data/samples/` for another place and/or year:
place names, years, 文号, dates and figures are changed, the measures sub-sections shuffled and the
problems section rewritten with other items. They are *not* real reports. They exist so that the
retrieval evaluation (`scripts/eval_retrieval.py`) must find the right report among reports with
the same sentence shapes, not just the right kind of sentence.

| file | based on | year | place |
|---|---|---|---|
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "distractors")
    parser.add_argument("--check", action="store_true", help="Exit 1 if the files on disk differ.")
    args = parser.parse_args(argv)
    files = {f"d{n:02d}_{v.tag}.txt": make_variant(v) for n, v in enumerate(VARIANTS, 1)}
    rows = [
        f"| {name} | {TEMPLATES[v.template].sample} | {v.year} | {v.place or '(same as sample)'} |"
        for name, v in zip(files, VARIANTS, strict=True)
    ]
    files["README.md"] = README + "\n".join(rows) + "\n"
    if args.check:
        stale = [n for n, t in files.items() if not (args.out / n).is_file() or (args.out / n).read_text("utf-8") != t]
        for name in stale:
            print(f"stale: {name}")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files) - 1} distractor reports to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
