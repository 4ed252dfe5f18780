"""Sharing a public badge: one class per share target plus a registry, snippets, oEmbed and the QR code.

Pure functions of a `Shared` badge: no I/O, so every URL is testable without AWS.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote, urlencode

from chalicelib.services.shared import urls

EMBED_WIDTH = 360
EMBED_HEIGHT = 180
PROVIDER_NAME = "Laurel"


def base() -> str:
    return urls.base()


def page_url(assertion_id: str) -> str:
    """The public badge page, the URL everyone shares."""
    return urls.badge_page_url(assertion_id)


def embed_url(assertion_id: str) -> str:
    return urls.embed_url(assertion_id)


def qr_url(assertion_id: str) -> str:
    return urls.qr_url(assertion_id)


def profile_url(slug: str) -> str:
    return urls.profile_url(slug)


@dataclass(frozen=True)
class Shared:
    """What share targets need to know about one public badge."""

    assertion_id: str
    name: str
    description: str
    issuer_name: str
    issued_on: datetime
    expires: datetime | None
    image_url: str

    @property
    def url(self) -> str:
        return page_url(self.assertion_id)

    @property
    def embed_url(self) -> str:
        return embed_url(self.assertion_id)

    @property
    def headline(self) -> str:
        return f"I earned the {self.name} badge from {self.issuer_name}."


def _query(params: dict[str, object]) -> str:
    """Percent-encoding with %20 for spaces (read the same way by every target and by mail clients)."""
    return urlencode({k: v for k, v in params.items() if v is not None}, quote_via=quote, safe="")


# --- share links: one class per target ---------------------------------------------------------------


class ShareLink(ABC):
    """A link that opens a share dialog (or a profile form) somewhere else."""

    key: str
    label: str

    @abstractmethod
    def url(self, badge: Shared) -> str: ...


class LinkedInAddToProfile(ShareLink):
    """LinkedIn's "Add licence or certification" form, filled in (months are 1 to 12)."""

    key, label = "linkedin-profile", "Add to LinkedIn profile"

    def url(self, badge: Shared) -> str:
        params: dict[str, object] = {
            "startTask": "CERTIFICATION_NAME",
            "name": badge.name,
            "organizationName": badge.issuer_name,
            "issueYear": badge.issued_on.year,
            "issueMonth": badge.issued_on.month,
        }
        if badge.expires is not None:
            params |= {"expirationYear": badge.expires.year, "expirationMonth": badge.expires.month}
        params |= {"certUrl": badge.url, "certId": badge.assertion_id}
        return "https://www.linkedin.com/profile/add?" + _query(params)


class LinkedInShare(ShareLink):
    key, label = "linkedin", "Share on LinkedIn"

    def url(self, badge: Shared) -> str:
        return "https://www.linkedin.com/sharing/share-offsite/?" + _query({"url": badge.url})


class XShare(ShareLink):
    key, label = "x", "Post on X"

    def url(self, badge: Shared) -> str:
        return "https://twitter.com/intent/tweet?" + _query({"text": badge.headline, "url": badge.url})


class FacebookShare(ShareLink):
    key, label = "facebook", "Share on Facebook"

    def url(self, badge: Shared) -> str:
        return "https://www.facebook.com/sharer/sharer.php?" + _query({"u": badge.url})


class EmailShare(ShareLink):
    key, label = "email", "Send by email"

    def url(self, badge: Shared) -> str:
        subject = f"My {badge.name} badge"
        body = f"{badge.headline}\n\nSee it and check it here: {badge.url}\n"
        return "mailto:?" + _query({"subject": subject, "body": body})


# --- snippets to paste: one class per kind -----------------------------------------------------------


class Snippet(ABC):
    """HTML an earner copies into a web page or an email signature."""

    key: str
    label: str
    hint: str

    @abstractmethod
    def html(self, badge: Shared) -> str: ...


class EmbedSnippet(Snippet):
    key, label = "embed", "Embed on a web page"
    hint = "Paste this HTML into your site or blog."

    def html(self, badge: Shared) -> str:
        return iframe(badge)


class SignatureSnippet(Snippet):
    key, label = "signature", "Email signature"
    hint = "Paste this HTML into your email signature settings."

    def html(self, badge: Shared) -> str:
        return (
            f'<a href="{escape(badge.url)}">'
            f'<img src="{escape(badge.image_url)}" alt="{escape(badge.name)} badge" width="64" height="64" '
            f'style="vertical-align:middle;border:0"> {escape(badge.name)}</a>'
        )


def iframe(badge: Shared, width: int = EMBED_WIDTH, height: int = EMBED_HEIGHT) -> str:
    return (
        f'<iframe src="{escape(badge.embed_url)}" width="{width}" height="{height}" '
        f'title="{escape(badge.name)} badge" style="border:0" loading="lazy"></iframe>'
    )


# --- the registries ----------------------------------------------------------------------------------

LINKS: dict[str, ShareLink] = {}
SNIPPETS: dict[str, Snippet] = {}


def register(target: ShareLink | Snippet) -> None:
    """Add a share target: a new network is one new class and one call here."""
    registry = LINKS if isinstance(target, ShareLink) else SNIPPETS
    registry[target.key] = target


for _target in (
    LinkedInAddToProfile(),
    LinkedInShare(),
    XShare(),
    FacebookShare(),
    EmailShare(),
    EmbedSnippet(),
    SignatureSnippet(),
):
    register(_target)


@dataclass(frozen=True)
class Panel:
    """Everything the share panel shows."""

    url: str
    links: list[tuple[ShareLink, str]]
    snippets: list[tuple[Snippet, str]]
    qr_url: str


def panel(badge: Shared) -> Panel:
    return Panel(
        url=badge.url,
        links=[(target, target.url(badge)) for target in LINKS.values()],
        snippets=[(target, target.html(badge)) for target in SNIPPETS.values()],
        qr_url=qr_url(badge.assertion_id),
    )


# --- oEmbed and QR -------------------------------------------------------------------------------------


def badge_id_from_url(url: str) -> str | None:
    """The assertion id of one of our badge or embed page URLs; None for anything else."""
    for prefix in (f"{base()}/badges/", f"{base()}/embed/"):
        if url.startswith(prefix):
            rest = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0].rstrip("/")
            if rest and "/" not in rest and len(rest) <= 100:
                return rest
    return None


def oembed(badge: Shared, maxwidth: int | None = None, maxheight: int | None = None) -> dict:
    """An oEmbed 1.0 `rich` response: the embed iframe, no larger than the consumer allows."""
    width = min(EMBED_WIDTH, maxwidth) if maxwidth else EMBED_WIDTH
    height = min(EMBED_HEIGHT, maxheight) if maxheight else EMBED_HEIGHT
    return {
        "version": "1.0",
        "type": "rich",
        "title": f"{badge.name} — {badge.issuer_name}",
        "provider_name": PROVIDER_NAME,
        "provider_url": base(),
        "html": iframe(badge, width, height),
        "width": width,
        "height": height,
        "thumbnail_url": badge.image_url,
        "cache_age": 300,
    }


def qr_svg(url: str, title: str | None = None) -> str:
    """A QR code of `url` as a standalone SVG document (segno imported on first use)."""
    import io

    import segno

    out = io.BytesIO()
    code = segno.make(url, error="m", micro=False)
    code.save(out, kind="svg", scale=4, border=4, dark="#1d2330", light="#ffffff", title=title or url)
    return out.getvalue().decode()
