"""A live contest's phones authenticate with the device token they got when they
joined a team (header ``X-Device-Token``), not with an account."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader

from assessment import selectors
from assessment.models import LiveDevice


class LiveDeviceAuth(APIKeyHeader):
    """The phone of a joined team; ``request.auth`` is its ``LiveDevice``."""

    param_name = "X-Device-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> LiveDevice | None:
        return selectors.live_device_for_token(token=key or "")
