"""Absolute links to the portal, for QR codes and anything else read off a screen
or paper by a phone (a camera app or WeChat's scanner opens the URL as it is).

One rule for every QR code the platform shows:

- the host is the request's (``request.get_host()``, checked against
  ``ALLOWED_HOSTS``), so a screen opened on the portal's own address hands out that
  address; without a request, the host of ``WAGTAILADMIN_BASE_URL``;
- the scheme is https, except in development: with ``DEBUG`` on and the page itself
  served over plain http (``manage.py runserver``), or with ``DEBUG`` on and
  ``WAGTAILADMIN_BASE_URL`` an http address, the link is http, because there is no
  https server to open;
- the path is the portal page that performs the action after sign-in (the sign-in
  page brings the member back with ``next``).

The QR images are PNGs drawn by ``qr_png``; the same text is what a decoder reads.
"""

from __future__ import annotations

import io
from urllib.parse import urlencode, urlsplit

import qrcode
from django.conf import settings
from django.http import HttpRequest


def portal_origin(*, request: HttpRequest | None = None) -> str:
    """``scheme://host[:port]`` of the portal as a phone should open it, by the
    rule above. Raises DisallowedHost (a request whose host is not allowed)."""
    if request is not None:
        host = request.get_host()
        plain = settings.DEBUG and not request.is_secure()
    else:
        base = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        host = base.netloc
        plain = settings.DEBUG and base.scheme == "http"
    return f"{'http' if plain else 'https'}://{host}"


def portal_url(
    path: str,
    *,
    request: HttpRequest | None = None,
    query: dict[str, str | int] | None = None,
) -> str:
    """The absolute URL of the portal's ``path`` (from ``reverse``), with ``query``
    (values urlencoded, in the order given). Raises DisallowedHost, like
    ``portal_origin``."""
    if not path.startswith("/"):
        raise ValueError(f"portal_url takes a path from reverse(), not {path!r}")
    url = portal_origin(request=request) + path
    if query:
        url += "?" + urlencode({name: str(value) for name, value in query.items()})
    return url


def qr_png(text: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """A PNG of a QR code holding ``text`` (black on white, with the quiet zone
    of four modules that scanners need). Raises nothing for the URLs we make."""
    image = qrcode.make(text, box_size=box_size, border=border)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
