"""宣讲比赛 API. Thin: the rules are ``competitions.services`` and ``competitions.selectors``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["competitions"])
