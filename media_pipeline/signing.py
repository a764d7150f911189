"""Signed, expiring URLs for an asset's playlists and files.

A signature covers the asset id, the file's path inside the published version and the
expiry, so a URL signed for one asset opens no other file and no other asset.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "media_pipeline.signed-url"


def _signature(asset_id: int, path: str, expires: int) -> str:
    return salted_hmac(
        SALT, f"{asset_id}|{path}|{expires}", algorithm="sha256"
    ).hexdigest()[:40]


def signed_query(asset_id: int, path: str, *, now: float | None = None) -> str:
    expires = int((now or time.time()) + settings.MEDIA_SIGNED_URL_SECONDS)
    return urlencode({"exp": expires, "sig": _signature(asset_id, path, expires)})


def signature_state(asset_id: int, path: str, exp: str | None, sig: str | None) -> str:
    """``"valid"``, ``"expired"`` or ``"invalid"`` (missing or not ours)."""
    if not exp or not sig or not (exp.isascii() and exp.isdigit()):
        return "invalid"
    if not constant_time_compare(_signature(asset_id, path, int(exp)), sig):
        return "invalid"
    return "valid" if int(exp) >= time.time() else "expired"
