"""Every public URL Laurel hands out (in documents, mails, API answers and pages), built in one place.

These URLs are the product's public contract: hosted badges are verified through them for years, so a
path here changes only with a redirect. Paths (`*_path`) are for links within our own pages; the others
are absolute, on the configured public base URL.
"""

from __future__ import annotations

from chalicelib.config import get_settings


def base() -> str:
    """The public base URL, without a trailing slash (e.g. https://badges.example.org)."""
    return get_settings().public_base_url


# --- hosted Open Badges 2.0 -------------------------------------------------------------------------


def issuer_url(issuer_id: str) -> str:
    return f"{base()}/public/issuers/{issuer_id}"


def issuer_image_url(issuer_id: str) -> str:
    return f"{issuer_url(issuer_id)}/image"


def badge_url(badge_id: str) -> str:
    return f"{base()}/public/badges/{badge_id}"


def badge_image_url(badge_id: str, image_key: str) -> str:
    """The badge class image, with the extension of the stored image (`image.png` or `image.svg`)."""
    return f"{badge_url(badge_id)}/image.{image_key.rsplit('.', 1)[-1]}"


def assertion_url(assertion_id: str) -> str:
    return f"{base()}/public/assertions/{assertion_id}"


def assertion_baked_path(assertion_id: str, kind: str) -> str:
    """The Open Badges 2.0 baked image (`png` or `svg`), as a path on our own site."""
    return f"/public/assertions/{assertion_id}/baked.{kind}"


def assertion_baked_url(assertion_id: str, kind: str) -> str:
    return base() + assertion_baked_path(assertion_id, kind)


def signed_assertion_url(assertion_id: str) -> str:
    return f"{assertion_url(assertion_id)}/signed"


def key_url(issuer_id: str, kid: str) -> str:
    """An issuer's RSA public key (signed OB 2.0)."""
    return f"{issuer_url(issuer_id)}/keys/{kid}"


def revocation_list_url(issuer_id: str) -> str:
    return f"{issuer_url(issuer_id)}/revocations"


# --- hosted Open Badges 3.0 -------------------------------------------------------------------------


def credential_url(assertion_id: str) -> str:
    return f"{base()}/public/credentials/{assertion_id}"


def credential_baked_path(assertion_id: str, kind: str) -> str:
    """The Open Badges 3.0 baked image (`png` or `svg`), as a path on our own site."""
    return f"/public/credentials/{assertion_id}/baked.{kind}"


def controller_url(issuer_id: str) -> str:
    """The OB 3.0 issuer id: it serves the controller document."""
    return f"{issuer_url(issuer_id)}/controller"


def verification_method(issuer_id: str, kid: str) -> str:
    """The URL of one of the issuer's Ed25519 keys; it answers the key's own Multikey document."""
    return f"{issuer_url(issuer_id)}/credential-keys/{kid}"


def legacy_verification_method(issuer_id: str, kid: str) -> str:
    """How credentials signed before keys had their own URL name the key (still listed, still valid)."""
    return f"{controller_url(issuer_id)}#{kid}"


def status_list_url(issuer_id: str, number: int) -> str:
    return f"{issuer_url(issuer_id)}/status/{number}"


# --- people's pages ---------------------------------------------------------------------------------


def claim_url(token: str) -> str:
    return f"{base()}/claim/{token}"


def unsubscribe_url(token: str) -> str:
    return f"{base()}/unsubscribe/{token}"


def activation_page_url(link_path: str = "/activate") -> str:
    """Where an activation (or merge) code is typed in."""
    return f"{base()}{link_path}"


def activation_link_url(token: str, link_path: str = "/activate") -> str:
    return f"{activation_page_url(link_path)}/{token}"


def badge_page_url(assertion_id: str) -> str:
    """The public badge page, the URL everyone shares."""
    return f"{base()}/badges/{assertion_id}"


def embed_url(assertion_id: str) -> str:
    return f"{base()}/embed/{assertion_id}"


def qr_url(assertion_id: str) -> str:
    return f"{base()}/badges/{assertion_id}/qr.svg"


def profile_url(slug: str) -> str:
    return f"{base()}/u/{slug}"


def oembed_url(page_url: str) -> str:
    """The oEmbed answer for one of our badge pages (discovered through the page's <link>)."""
    from urllib.parse import quote

    return f"{base()}/oembed?url={quote(page_url, safe='')}&format=json"


def credential_baked_url(assertion_id: str, kind: str) -> str:
    return base() + credential_baked_path(assertion_id, kind)
