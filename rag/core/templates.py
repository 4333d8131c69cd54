"""Prompt templates: the files in rag/prompts/*.txt, rendered strictly.

Templates use ``string.Template`` placeholders (``$name`` / ``${name}``). Rendering is strict both
ways: a placeholder without a value is an error, and so is a value without a placeholder (a typo in
a variable name would otherwise silently drop part of the prompt). Every stage that prompts a model
(answers, summaries, comparisons, theme judging) renders through here.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent.parent / "prompts"


class TemplateError(ValueError):
    """A template is missing, or was rendered with missing or unknown variables."""


@cache
def load_template(name: str) -> string.Template:
    path = PROMPT_DIR / f"{name}.txt"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROMPT_DIR.glob("*.txt")))
        raise TemplateError(f"No prompt template {name!r} in {PROMPT_DIR} (known: {known}).")
    return string.Template(path.read_text(encoding="utf-8"))


def placeholders(template: string.Template) -> set[str]:
    names = set()
    for m in template.pattern.finditer(template.template):
        if m.group("invalid") is not None:
            raise TemplateError(f"Bad placeholder in template at offset {m.start()}: {m.group(0)!r}")
        name = m.group("named") or m.group("braced")
        if name:
            names.add(name)
    return names


def render(name: str, **variables: object) -> str:
    """Fill template ``name`` with ``variables``; missing and unused variables are errors."""
    template = load_template(name)
    wanted = placeholders(template)
    missing = wanted - variables.keys()
    unused = variables.keys() - wanted
    if missing or unused:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(sorted(missing)))
        if unused:
            parts.append("unused " + ", ".join(sorted(unused)))
        raise TemplateError(f"Template {name!r}: {'; '.join(parts)}.")
    return template.substitute({k: str(v) for k, v in variables.items()})
