"""Server-rendered pages: one Jinja2 environment (autoescaped), created on first use."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Response

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@lru_cache(maxsize=1)
def environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True))
    env.filters["markdown"] = markdown
    env.filters["split_name"] = split_name
    return env


def markdown(text: str | None) -> str:
    """Issuer markdown → sanitised HTML (raw HTML in the source is not passed through)."""
    if not text:
        return ""
    import nh3
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    html = MarkdownIt("commonmark", {"html": False}).render(text)
    return Markup(nh3.clean(html, link_rel="nofollow noopener"))  # noqa: S704 (sanitised by nh3)


def split_name(full: str | None) -> tuple[str, str]:
    """An issuer-sent full name as (first, last): "Family, Given" by its comma, else first word and the rest
    ("Ludwig van Beethoven" → "Ludwig", "van Beethoven"); a single word is a first name."""
    name = " ".join((full or "").split())
    if "," in name:
        family, _, given = name.partition(",")
        return given.strip(), family.strip()
    given, _, family = name.partition(" ")
    return given, family


def render(name: str, *, status: int = 200, **context: Any) -> Response:
    html = environment().get_template(name).render(**context)
    return Response(body=html, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"})
