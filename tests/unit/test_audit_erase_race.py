"""Issue 9, pattern 1 elsewhere: baked image URLs of erased awards. A download racing the erase must not
leave a baked copy of the erased award (its salted recipient hash, narrative, evidence) behind in S3."""

from __future__ import annotations

import pytest

from tests.support.credentials import award, get


def baked_objects(assertion_id: str) -> list[str]:
    from chalicelib.config import get_settings
    from chalicelib.store.aws import client

    found = client("s3").list_objects_v2(Bucket=get_settings().bucket, Prefix=f"baked/{assertion_id}/")
    return [o["Key"] for o in found.get("Contents", [])]


@pytest.mark.parametrize("path", ["/public/assertions/{id}/baked.png", "/public/credentials/{id}/baked.png"])
def test_a_download_racing_the_erase_leaves_no_baked_copy(issuer, badge_class, monkeypatch, path):
    from chalicelib.openbadges import baking

    made = award(issuer, badge_class, narrative="Private notes about Ada.")
    real = baking.bake_png

    def bake_while_erased(*args, **kwargs):  # the erase lands between the download's read and its write
        issuer.api.call("POST", f"/api/v1/assertions/{made['id']}/erase")
        return real(*args, **kwargs)

    monkeypatch.setattr(baking, "bake_png", bake_while_erased)
    get(issuer, path.format(id=made["id"]))
    assert baked_objects(made["id"]) == []  # was: the baked file of the erased award stayed in S3
    assert get(issuer, path.format(id=made["id"])).status_code == 404
