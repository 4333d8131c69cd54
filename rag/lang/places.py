"""Place names: China's administrative divisions, their full names and the short forms people use.

The division list (34 provinces, ~340 prefectures, ~3000 counties, each with its official short form)
comes from jionlp's bundled national administrative-division data, which works offline; nothing of it
is retyped here. Written by hand, because no library covers them:

- which short forms are safe to recognise in running text: jionlp's alias of 公安县 is 公安, of 合作市
  合作, of 和平区 和平 — everyday words in these reports. A county's short form is used only when jieba's
  dictionary does not know a two-character one as an ordinary word (see ``_ordinary_word``);
- the 州 form of an autonomous prefecture (恩施土家族苗族自治州 → 恩施州), which people use more than
  either the full name or the bare alias;
- township-level names (乡/镇/街道), which the data does not list: recognised by their suffix.

Levels are the report levels of the rules: 省级 (incl. 直辖市, 自治区), 市级 (incl. 州, 盟, 地区),
区县级 (incl. 旗, 县级市, 林区, 特区), 乡镇街道.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
from dataclasses import dataclass

from rag.lang import words

PROVINCE, CITY, COUNTY, TOWN = "省级", "市级", "区县级", "乡镇街道"

# The kinds of township-level division (乡镇街道), the one list every township pattern is built from
# (places, issuers, self-designations 我镇, area words 全乡). Longest first, as a regex alternation wants.
TOWNSHIP_KINDS = ("民族乡", "街道", "苏木", "镇", "乡")  # 苏木: the 乡 of 内蒙古; 民族乡: an ethnic 乡
TOWNSHIP = "|".join(TOWNSHIP_KINDS)
# 「住房和城乡建设局」「城乡规划」: the 乡 of the word 城乡 (town and country) before what it qualifies is no
# township; put right after a township kind (古城乡人民政府 stays a township)
NOT_URBAN_RURAL = r"(?!(?<=城乡)(?:建设|规划|融合|发展|一体|统筹|居民|社区|环境|交通|供水|低保|医保|养老))"

# A division named by its level word alone (「省政府」「州政府」「区人社局」): the word, and the level it gives.
# Only the division's own text can say which one (report-patterns §14.3, §16).
LEVEL_OF_LEVEL_WORD = {"自治区": PROVINCE, "省": PROVINCE, "市": CITY, "州": CITY, "盟": CITY,
                       "县": COUNTY, "区": COUNTY, "旗": COUNTY}
LEVEL_WORD = "|".join(LEVEL_OF_LEVEL_WORD)
# the characters that, opening a body's name, make it a level word and no place (市住房城乡建设局)
LEVEL_CHARACTERS = frozenset(w for w in (*LEVEL_OF_LEVEL_WORD, *TOWNSHIP_KINDS, "村") if len(w) == 1)
GOVERNMENT = r"(?:人民)?政府"
# Suffixes whose removal leaves the name itself (潼南区 → 潼南). Longest first.
_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道办事处", "地区", "林区", "特区",
             "新区", "矿区", "省", "市", "区", "县", "州", "盟", "旗", *TOWNSHIP_KINDS)
# An ethnic-autonomy part: 土家族苗族自治州 → the name is what precedes the first nationality.
_ETHNIC = re.compile(r"(?:[\u4e00-\u9fff]{1,5}?族)+(?=自治)")
_ZONE = re.compile(r"开发区|示范区|试验区|合作区|保税区|园区|管理区|风景区")
_TOWN_SUFFIX = re.compile(rf"{TOWNSHIP}|村|社区")
_COUNTY_SUFFIX = re.compile(r"新?区|县|旗")
_TOWN = re.compile(rf"([\u4e00-\u9fff]{{2,5}}?)(街道办事处|{TOWNSHIP}){NOT_URBAN_RURAL}")
# Words before 镇/乡/街道 that are not names: 城镇, 乡镇, 各街道, 全镇 …
# (小 only as 小城镇 or a stem ending in it: 小河街道, 小店镇 and 小榄镇 are names, report-patterns §17)
_NOT_TOWN_STEM = re.compile(r"^[全各本该我每两多个其所]|[乡村集镇]$|(?<!大)街$|重点|特色|^小城|小$|中心|辖区|相关|有关|城市|城区")
# Short forms that begin like a generic positional word are never names on their own (市中区 → 市中).
_POSITIONAL_START = tuple("市区县省州")
# jieba tags of words that are names (places, persons, transliterations); anything else is an ordinary word.
_NAME_TAGS = ("ns", "nr", "nrt", "nrfg")


@dataclass(frozen=True)
class Division:
    """One administrative division as the national data lists it."""

    name: str  # full name: 台儿庄区, 恩施土家族苗族自治州, 贵州省
    level: str  # PROVINCE | CITY | COUNTY
    province: str
    city: str = ""  # the prefecture it belongs to ("" for a province, or a province-run county)
    stem: str = ""  # the name without suffix and nationality, if that is still a name: 台儿庄, 恩施

    @property
    def key(self) -> str:
        """The shortest form that is a substring of the full name and still names it: 潼南, 沛县."""
        return self.stem or self.name


@dataclass(frozen=True)
class PlaceMention:
    """A place named in a text, with every division the words can denote (朝阳区 is in two cities)."""

    text: str  # as written: 恩施州, 台儿庄, 沛县
    start: int
    end: int
    level: str
    divisions: tuple[Division, ...] = ()  # () for a township, which the data does not list

    @property
    def key(self) -> str:
        """A form to look for in report titles and issuers (a substring of the full name)."""
        if self.divisions:
            return self.divisions[0].key
        return stem_of(self.text) or self.text


@dataclass(frozen=True)
class Location:
    """Where an issuer or title sits: its province, prefecture and county, and the level it names."""

    province: str = ""
    city: str = ""
    county: str = ""
    town: str = ""
    level: str = ""  # the lowest level named, "" if none


def stem_of(name: str) -> str:
    """潼南区 → 潼南, 恩施土家族苗族自治州 → 恩施, 沛县 → "" (one character is no name on its own)."""
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = _ETHNIC.sub("", name[: -len(suffix)] + ("自治" if suffix.startswith("自治") else ""))
            stem = stem.removesuffix("自治")
            return stem if len(stem) >= 2 and not stem.startswith(_POSITIONAL_START) else ""
    return ""


def _ordinary_word(word: str) -> bool:
    """True if jieba's dictionary knows ``word`` as something other than a name (公安 n, 合作 vn, 和平 nz)."""
    tag = words.word_tag(word)
    return tag is not None and not tag.startswith(_NAME_TAGS)


def _has_verb(text: str) -> bool:
    """True if jieba reads a common verb, an adverb or a function word in ``text`` (依法|治|镇 is no
    township). Rare verbs do not count: 谋道 (谋道镇) is tagged v, but no report uses it as one."""
    for pair in words.pos_tokenizer().lcut(text):
        if pair.flag[:1] in ("d", "p", "c", "u") or (pair.flag[:1] == "v" and words.word_frequency(pair.word) >= 1000):
            return True
    return False


def _safe_short_form(form: str) -> bool:
    """Whether a county's short form can be read as its name in running text.

    Two characters collide with everyday words (公安, 合作) and longer ones hardly do (神农架); an
    alias that is itself a generic noun plus suffix (示范区 for a 综合改革示范区) names no place.
    """
    if form.startswith(_POSITIONAL_START):
        return False
    core = stem_of(form) if form.endswith(_SUFFIXES) else form
    if not core:
        return False
    return len(core) > 2 or not _ordinary_word(core)


def _load_jionlp() -> object:
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # jionlp prints a banner on import
            import jionlp
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise ImportError("place names need jionlp: pip install jionlp") from exc
    return jionlp


def _first_alias(entry: object) -> str:
    """jionlp's official short form of a division: a string, or a list of them for some entries."""
    alias = entry.get("_alias", "") if isinstance(entry, dict) else ""
    if isinstance(alias, (list, tuple)):
        alias = alias[0] if alias else ""
    return alias if isinstance(alias, str) else ""


@functools.lru_cache(maxsize=1)
def gazetteer() -> dict[str, tuple[Division, ...]]:
    """Every written form (full name, safe short forms) → the divisions it can denote."""
    jio = _load_jionlp()
    with contextlib.redirect_stdout(io.StringIO()):
        data = jio.china_location_loader(detail=False)  # type: ignore[attr-defined]
    forms: dict[str, list[Division]] = {}

    def add(form: str, division: Division) -> None:
        if len(form) >= 2 and division not in forms.setdefault(form, []):
            forms[form].append(division)

    for province, cities in data.items():
        p = Division(province, PROVINCE, province, stem=_first_alias(cities) or stem_of(province))
        for form in (province, p.stem):
            add(form, p)
        for city, counties in cities.items():
            if city.startswith("_"):
                continue
            direct = city in (province, "省直辖行政区划", "自治区直辖县级行政区划")
            if not direct:
                c = Division(city, CITY, province, city, stem_of(city) or _first_alias(counties))
                add(city, c)
                if c.stem and not c.stem.startswith(_POSITIONAL_START):
                    add(c.stem, c)
                if city.endswith("自治州") and c.stem:
                    add(c.stem + "州", c)  # 恩施州, 黔东南州
            for county, info in counties.items():
                if county.startswith("_"):
                    continue
                k = Division(county, COUNTY, province, "" if direct and city != province else city, stem_of(county))
                add(county, k)
                alias = _first_alias(info)
                # A zone's short form (经开区, 示范区) is what every city calls its own zone: full name only.
                for form in ({k.stem, alias} - {"", county}) if not _ZONE.search(county) else ():
                    # Two characters collide with everyday words (公安, 合作); longer names hardly do (神农架).
                    if _safe_short_form(form):
                        add(form, k)
    return {form: tuple(divs) for form, divs in forms.items()}


@functools.lru_cache(maxsize=1)
def _forms_pattern() -> re.Pattern[str]:
    forms = sorted(gazetteer(), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, forms)))


def find_places(text: str) -> list[PlaceMention]:
    """Places named in ``text``, left to right, longest form first, never overlapping.

    Full names always count; short forms only where the gazetteer keeps them (no ordinary words).
    Context cannot tell every case: 江山 in 江山如画 still reads as 江山市. A township counts only by
    its full name (城厢街道, 雅溪镇), since the national data does not list townships.
    """
    found: list[PlaceMention] = []
    taken: list[tuple[int, int]] = []
    for m in _forms_pattern().finditer(text):
        divisions = gazetteer()[m.group(0)]
        end = m.end()
        if m.group(0) not in {d.name for d in divisions} and _TOWN_SUFFIX.match(text, end):
            continue  # 新城街道, 城关镇: a township that shares a county's short form
        if m.group(0) not in {d.name for d in divisions} and _COUNTY_SUFFIX.match(text, end):
            continue  # 贵安新区 is not 安新县: a short form running into 区/县/旗 names another division
        found.append(PlaceMention(text[m.start() : end], m.start(), end, divisions[0].level, divisions))
        taken.append((m.start(), end))
    for m in _TOWN.finditer(text):
        stem = m.group(1)
        while len(stem) > 2 and any(s <= m.start() + (len(m.group(1)) - len(stem)) < e for s, e in taken):
            stem = stem[1:]  # 龙桥 in 城厢区龙桥街道: the town after the county
        start = m.end(1) - len(stem)
        if any(s < m.end() and start < e for s, e in taken) or _NOT_TOWN_STEM.search(stem) or _has_verb(stem):
            continue
        found.append(PlaceMention(text[start : m.end()], start, m.end(), TOWN))
    found.sort(key=lambda p: p.start)
    return found


def locate(text: str) -> Location:
    """Province, prefecture, county and township of an issuer or title (台儿庄区人民政府办公室 →
    山东省 / 枣庄市 / 台儿庄区, level 区县级). Only names the text really contains count: jionlp infers the
    parents of a named county, never a place from nothing."""
    mentions = find_places(text)
    if not mentions:
        return Location()
    if all(m.level == TOWN for m in mentions):
        # the data lists no townships: a county or province jionlp finds for 莲花街道 alone is a guess
        return Location(town=mentions[0].text, level=TOWN)
    jio = _load_jionlp()
    with contextlib.redirect_stdout(io.StringIO()):
        parsed = jio.parse_location(text)  # type: ignore[attr-defined]
    province, city, county = parsed.get("province") or "", parsed.get("city") or "", parsed.get("county") or ""
    if city == province:  # 直辖市: 重庆市 / 重庆市 / 潼南区
        city = ""
    town = next((m.text for m in mentions if m.level == TOWN), "")
    # The level is that of the lowest division the text itself names, not jionlp's guess of a parent.
    named_levels = {m.level for m in mentions}
    level = next((lv for lv in (TOWN, COUNTY, CITY, PROVINCE) if lv in named_levels), "")
    if level == CITY and province in ("北京市", "上海市", "天津市", "重庆市") and not county:
        level = PROVINCE
    if level == COUNTY and not county:
        best = next(m for m in mentions if m.level == COUNTY)
        county, province = best.divisions[0].name, province or best.divisions[0].province
        city = city or best.divisions[0].city
    return Location(province, city, county, town, level)


@functools.lru_cache(maxsize=1)
def _forms_by_division() -> dict[Division, tuple[str, ...]]:
    by_division: dict[Division, list[str]] = {}
    for form, divisions in gazetteer().items():
        for division in divisions:
            by_division.setdefault(division, []).append(form)
    return {d: tuple(sorted(forms, key=len, reverse=True)) for d, forms in by_division.items()}


def names_of(mention: PlaceMention) -> tuple[str, ...]:
    """Every form that names the place of ``mention``: 恩施州 → 恩施土家族苗族自治州, 恩施州, 恩施."""
    forms = [mention.text, mention.key]
    for division in mention.divisions:
        forms.extend(_forms_by_division().get(division, ()))
    return tuple(dict.fromkeys(f for f in forms if len(f) >= 2))


# Words before 镇/乡/街道 that make no name although no verb is read in them: 依法治镇, 法治乡.
_RULE_STEM = re.compile(r"法治$|依法|治$|[全各本该我每此小]$")


def _has_word_verb(stem: str) -> bool:
    """Like ``_has_verb``, but a one-character verb does not count (下太镇, 上营乡 begin with 下/上):
    only a verb or adverb of two characters or more, or a one-character preposition, conjunction or
    particle (在下太, 和平安)."""
    for pair in words.pos_tokenizer().lcut(stem):
        flag = pair.flag[:1]
        if flag in ("p", "c", "u") or (len(pair.word) >= 2 and (flag == "d" or (
                flag == "v" and words.word_frequency(pair.word) >= 1000))):
            return True
    return False


def township_names(text: str, kind: str) -> dict[str, int]:
    """Townships of one ``kind`` (镇, 乡 or 街道) that ``text`` names at least twice, with how often.

    For resolving a report's self-designation (我镇) where the township is named only in running
    text (「在西岸镇落地见效」, 「西岸镇党校」), which ``find_places`` reads left to right and can miss
    when a verb stands right before the name. Each 镇 is tried with the two and three characters in
    front of it; a three-character stem counts only where it is seen as often as its last two.
    """
    counts: dict[str, int] = {}
    for m in re.finditer(re.escape(kind), text):
        for width in (2, 3):
            stem = text[max(0, m.start() - width) : m.start()]
            if (len(stem) == width and re.fullmatch(r"[\u4e00-\u9fff]+", stem) and not _NOT_TOWN_STEM.search(stem)
                    and not _RULE_STEM.search(stem) and not _has_word_verb(stem)):
                counts[stem] = counts.get(stem, 0) + 1
    names = {}
    for stem, n in counts.items():
        if len(stem) == 3 and counts.get(stem[1:], 0) > n:
            continue  # 「入西岸」 once, 「西岸」 twice: the name is 西岸镇
        if len(stem) == 2 and any(len(s) == 3 and s.endswith(stem) and c >= n for s, c in counts.items()):
            continue  # 「长延堡」 as often as 「延堡」: the longer stem is the name
        if n >= 2:
            names[stem + kind] = n
    if not names:
        # named once only (「纳入了东庄镇发展总体规划」): a stem the dictionary knows as a name (东庄/ns) still
        # names the township, when it is the only one (report-patterns §17)
        once = {stem + kind: n for stem, n in counts.items() if _is_name_word(stem)}
        if len(once) == 1:
            return once
    return names


def _is_name_word(stem: str) -> bool:
    tokens = words.pos_tokenizer().lcut(stem)
    return len(tokens) == 1 and tokens[0].flag in _NAME_TAGS
