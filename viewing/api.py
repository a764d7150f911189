"""集中收看 API. Thin: the rules are ``viewing.services`` and ``viewing.selectors``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["viewing"])
