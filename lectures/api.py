"""讲师点单 API. Thin: the rules are ``lectures.services`` and ``lectures.selectors``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["lectures"])
