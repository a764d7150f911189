"""The audit service every app calls when member data leaves or enters the platform
(report exports, member and organisation imports, credit imports). This module
imports no app."""

from __future__ import annotations

from typing import Any

from dangke.logs import NO_REQUEST, request_id_current
from dangke.models import AuditEntry

COMMAND_ACTOR = "命令行"


def audit_record(
    *,
    actor: Any | None,
    action: str,
    subject: str,
    channel: str,
    scope: dict[str, Any],
    row_count: int,
) -> AuditEntry:
    """Record that ``actor`` (a user; None for a server command) did ``action``
    (``AuditEntry.Action``) on ``subject`` (e.g. ``"learning.report"``) through
    ``channel`` (``AuditEntry.Channel``) over ``scope`` (organisation code and
    filters), touching ``row_count`` rows. The current request's id is kept, so the
    entry leads to the log lines. Raises ``ValueError`` for an unknown action or
    channel."""
    if action not in AuditEntry.Action.values:
        raise ValueError(f"unknown audit action {action!r}")
    if channel not in AuditEntry.Channel.values:
        raise ValueError(f"unknown audit channel {channel!r}")
    authenticated = actor is not None and actor.is_authenticated
    request_id = request_id_current()
    return AuditEntry.objects.create(
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else COMMAND_ACTOR,
        action=action,
        subject=subject,
        channel=channel,
        scope={key: value for key, value in scope.items() if value not in (None, "")},
        row_count=row_count,
        request_id="" if request_id == NO_REQUEST else request_id,
    )
