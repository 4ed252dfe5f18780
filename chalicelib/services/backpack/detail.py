"""One badge as its owner sees it: the award, its class and issuer, downloads, evidence, privacy and the
share panel. One use case, so the route only renders (it made nine service calls before)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.services.backpack import privacy, sharing, shelf
from chalicelib.services.hosting import baked
from chalicelib.services.shared import ids, urls

if TYPE_CHECKING:
    from chalicelib.store import Store
    from chalicelib.store.awards import Award
    from chalicelib.store.badge_classes import BadgeClass
    from chalicelib.store.issuers import Issuer


@dataclass(frozen=True)
class Detail:
    """What the badge detail page shows (the names are the template's)."""

    assertion: Award
    badge: BadgeClass
    issuer: Issuer
    state: str
    badge_image: str
    downloads: list[tuple[str, str]]
    alignments: list[dict]
    evidence: list[dict]
    shown: bool
    shareable: bool
    panel: sharing.Panel | None
    profile_url: str | None

    @property
    def issuer_url(self) -> str | None:
        return http_url(self.issuer.url)

    @property
    def criteria_url(self) -> str | None:
        return http_url(self.badge.criteria_url)

    def context(self) -> dict[str, Any]:
        """The page's template variables."""
        names = ("assertion", "badge", "issuer", "state", "badge_image", "downloads", "alignments")
        names += ("evidence", "shown", "shareable", "panel", "profile_url", "issuer_url", "criteria_url")
        return {name: getattr(self, name) for name in names}


def http_url(value: object) -> str | None:
    """Only http(s) links from issuer-provided data reach an href."""
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else None


def _downloads(award: Award) -> list[tuple[str, str]]:
    svg = baked.has_svg(award)
    return [
        ("Open Badges 2.0 image (PNG)", urls.assertion_baked_path(award.id, "png")),
        *([("Open Badges 2.0 image (SVG)", urls.assertion_baked_path(award.id, "svg"))] if svg else []),
        ("Open Badges 3.0 image (PNG)", urls.credential_baked_path(award.id, "png")),
        *([("Open Badges 3.0 image (SVG)", urls.credential_baked_path(award.id, "svg"))] if svg else []),
    ]


def detail(account: Any, assertion_id: str, *, store: Store) -> Detail:
    """The account's badge; NotFound when it is not theirs (or its class or issuer is gone)."""
    award = shelf.owned(account, assertion_id, store=store)
    badge, issuer = shelf.class_and_issuer(award, store=store)
    shared = privacy.shared(award, badge, issuer)
    state = award.status(ids.now())
    shown = privacy.is_shown(award)
    alignments = [
        {**a, "targetUrl": http_url(a.get("targetUrl"))}
        for a in (badge.alignment or ())
        if isinstance(a, dict)
    ]
    return Detail(
        assertion=award,
        badge=badge,
        issuer=issuer,
        state=state,
        badge_image=shared.image_url,
        downloads=_downloads(award),
        alignments=alignments,
        evidence=[{**e.stored(), "url": http_url(e.url)} for e in award.evidence],
        shown=shown,
        shareable=state in privacy.SHAREABLE,
        panel=sharing.panel(shared) if shown else None,
        profile_url=sharing.profile_url(account.slug) if account.public and account.slug else None,
    )
