"""Server-rendered pages: their Jinja2 environment (autoescaped), created on first use. Mail bodies have
the one other, in services/shared/mailer.py."""

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
    env.globals["social_providers"] = social_providers
    return env


def social_providers() -> list:
    """The configured OpenID Connect providers, for "Continue with …" links (pages/_login_social.html)."""
    from chalicelib.services.earners import providers

    return list(providers.configured().values())


def markdown(text: str | None) -> str:
    """Issuer markdown → sanitised HTML (raw HTML in the source is not passed through)."""
    if not text:
        return ""
    import nh3
    from markdown_it import MarkdownIt
    from markupsafe import Markup

    md = MarkdownIt("commonmark", {"html": False})
    md.add_render_rule("image", _image_as_link)
    html = md.render(text)
    tags = nh3.ALLOWED_TAGS - {"img"}  # a remote image would be a tracking pixel on earners' pages
    return Markup(nh3.clean(html, tags=tags, link_rel="nofollow noopener"))  # noqa: S704 (sanitised by nh3)


def _image_as_link(renderer, tokens, idx, options, env) -> str:
    """A markdown image as a link to it (its alt text inside a link): the browser loads nothing by itself."""
    from markdown_it.common.utils import escapeHtml

    token = tokens[idx]
    src = token.attrGet("src") or ""
    alt = escapeHtml(renderer.renderInlineAsText(token.children or [], options, env) or src)
    in_link = sum({"link_open": 1, "link_close": -1}.get(t.type, 0) for t in tokens[:idx]) > 0
    return alt if in_link else f'<a href="{escapeHtml(src)}">{alt}</a>'


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
