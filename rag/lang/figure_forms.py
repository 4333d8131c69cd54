"""Other ways of writing the quantities of a question, for keyword search.

A reader writes 「只有五个人」「学了十二次」「百分之九十七」「不到百分之六十」; the report writes 「只有5名」
「学法12次」「97%」「不足六成」. Keyword search matches tokens, so the question's figures are added to its
keywords in the report's spellings (``figure_forms``). The values come from ``rag.lang.figures``, where
the numeral knowledge lives; here are only the ways a value is written:

* digits for a Chinese numeral and a Chinese numeral for a small count in digits (两 and 二 for 2);
* 万 notation for large round values (23000 ↔ 2.3万), as reports abbreviate them;
* tenths as 成 (60% ↔ 六成);
* the counters reports use for people (名, 人) for a count of 个 people (五个人 → 5名).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from rag.lang.figures import find_figures, int_to_cn

SMALL_COUNT = 100  # a count in digits below this is also written in Chinese numerals (两名, 十二次)
PERSON_COUNTERS = ("名", "人")  # 个人 / 个 before a person word is written 名 or 人 in reports
# a count of 个 is of people when a person word follows within a few characters (五个人, 八十六个法治副校长)
_PERSON_AFTER = re.compile(r"[^，。？！、；,.?!;\s\d]{0,5}?(?:人|干部|员|律师|校长|专家|代表|委员|民警|法官)")


def _digits(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@functools.lru_cache(maxsize=2048)
def figure_forms(text: str) -> tuple[str, ...]:
    """The question's counts and percentages in the spellings ``text`` does not already use.

    Dates, years and 文号 are left alone (rag.lang.years reads years); masked figures carry no value.
    """
    out: list[str] = []

    def add(form: str) -> None:
        if form and form not in text and form not in out:
            out.append(form)

    for fig in find_figures(text):
        if fig.kind not in ("number", "percent") or fig.key[0] != "number" or fig.key[4]:  # ordinals name, not count
            continue
        try:
            value = Decimal(str(fig.key[1]))
        except ArithmeticError:  # pragma: no cover - keys hold normalised decimals
            continue
        unit = str(fig.key[2])
        if unit == "%":
            add(f"{_digits(value)}%")
            if value == value.to_integral_value() and 10 <= value < 100 and value % 10 == 0:
                add(f"{int_to_cn(int(value) // 10)}成")
            continue
        if unit == "成" and value == value.to_integral_value() and 1 <= value <= 9:
            add(f"{int(value) * 10}%")
            continue
        units = [unit]
        if (unit == "个" and _PERSON_AFTER.match(text, fig.end)) or unit in PERSON_COUNTERS:
            units = list(dict.fromkeys([*PERSON_COUNTERS, unit]))
        for u in units:
            add(f"{_digits(value)}{u}")
            if value == value.to_integral_value() and 0 < value < SMALL_COUNT:
                add(f"{int_to_cn(int(value))}{u}")
                if int(value) == 2:
                    add(f"两{u}")
        if value >= 10_000 and value % 1000 == 0:
            add(f"{_digits(value / 10_000)}万{unit}")
    return tuple(out)
