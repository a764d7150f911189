"""心得体会 API. Thin: the rules are ``reflections.services`` and ``reflections.selectors``."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["reflections"])
