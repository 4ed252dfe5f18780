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


def render(name: str, *, status: int = 200, **context: Any) -> Response:
    html = environment().get_template(name).render(**context)
    return Response(body=html, status_code=status, headers={"Content-Type": "text/html; charset=utf-8"})
