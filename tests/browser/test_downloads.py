"""Every download link saves its file when a person clicks it in Chromium: the baked 2.0 and 3.0 images
on the badge detail page and the zip of all badges, linked from the backpack and the settings pages."""

from __future__ import annotations

import io
import json
import re
import zipfile

from chalicelib.openbadges.baking import unbake_png
from tests.support.issuing import IssuerApi, data_uri, png
from tests.support.pages import check_page, register_and_activate

CLAIM = re.compile(r"https?://[^/\s]+(/claim/[\w.\-]+)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def award(live, make_issuer, email: str) -> str:
    issuer = make_issuer(name="Harbour College", email="badges@harbour.example")
    api = IssuerApi(live.base_url, issuer.key)
    badge = api.badge_class(
        name="First Aid", description="Gives first aid.", criteria_narrative="Pass.", image=data_uri(png())
    )
    return api.award(badge["id"], email, recipient_name="Mina Okafor")["id"]


def sign_up(page, live, email: str) -> None:
    page.goto(CLAIM.search(live.wait_for_mail(email)["text"]).group(1))
    register_and_activate(page, live, email, "Mina", "Okafor")


def saved(page, link) -> bytes:
    """Click a link as a person would and return the bytes of the file Chromium saved."""
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None, f"{link}: {download.failure()}"
    return open(download.path(), "rb").read()


def test_every_download_link_saves_its_file(page, live, make_issuer):
    assertion_id = award(live, make_issuer, "mina.images@example.org")
    sign_up(page, live, "mina.images@example.org")
    page.get_by_role("link", name="First Aid").click()
    page.wait_for_url(f"**/backpack/{assertion_id}")
    downloads = page.get_by_role("region", name="Download")

    ob2 = saved(page, downloads.get_by_role("link", name="Open Badges 2.0 image (PNG)"))
    assert ob2.startswith(PNG_SIGNATURE)
    assert json.loads(unbake_png(ob2))["id"].endswith(f"/public/assertions/{assertion_id}")

    ob3 = saved(page, downloads.get_by_role("link", name="Open Badges 3.0 image (PNG)"))
    assert ob3.startswith(PNG_SIGNATURE)
    assert "OpenBadgeCredential" in json.loads(unbake_png(ob3, "openbadgecredential"))["type"]

    everything = saved(page, page.get_by_role("link", name="Download all my badges (zip)").first)
    names = zipfile.ZipFile(io.BytesIO(everything)).namelist()
    assert any(assertion_id in name for name in names), names
    check_page(page, "badge-detail")


def test_the_zip_export_is_linked_from_the_backpack_and_settings(page, live, make_issuer):
    award(live, make_issuer, "mina.export@example.org")
    sign_up(page, live, "mina.export@example.org")
    for start in ("/backpack", "/settings/emails", "/settings/profile-privacy"):
        page.goto(start)
        link = page.get_by_role("link", name="Download all my badges (zip)")
        assert link.count() == 1, start
        archive = zipfile.ZipFile(io.BytesIO(saved(page, link)))
        assert archive.testzip() is None and archive.namelist(), start
    page.goto("/backpack")
    check_page(page, "backpack-with-export")
