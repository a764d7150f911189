"""直播党课 API. Thin: the rules are ``broadcasts.services`` and ``broadcasts.selectors``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["broadcasts"])
