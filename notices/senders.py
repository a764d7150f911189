"""Senders of reminders: one interface, one e-mail sender through Django's mail
backend, and how to plug in others (SMS, WeChat template messages).

A sender is a class with a ``name`` and ``send(*, notice, recipient)`` that
delivers one reminder or raises ``SendFailed`` with a reason; ``NOTICE_SENDERS``
lists the dotted paths of the senders in use (``notices.senders.EmailSender`` by
default). An SMS or WeChat sender implements the same two members with its
gateway's client and a template of its own, e.g.::

    class WeChatTemplateSender:
        name = "wechat"

        def send(self, *, notice, recipient):
            openid = openid_for(recipient)  # the deployment's own mapping
            if not openid:
                raise SendSkipped("未绑定微信")
            gateway.send_template(openid, TEMPLATE_ID, {"thing1": notice.title})
"""

from __future__ import annotations

from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string


class SendFailed(Exception):
    """The reminder could not be delivered now (worth trying again later)."""


class SendSkipped(Exception):
    """The sender has no way to reach this recipient (no address): not an error."""


class NoticeSender(Protocol):
    name: str

    def send(self, *, notice: Any, recipient: Any) -> None: ...


class EmailSender:
    """Reminders by e-mail through Django's mail backend (``EMAIL_HOST``…)."""

    name = "email"

    def send(self, *, notice: Any, recipient: Any) -> None:
        address = (getattr(recipient, "email", "") or "").strip()
        if not address:
            raise SendSkipped("账号没有电子邮箱")
        body = notice.body
        if notice.link:
            body = f"{body}\n\n{settings.WAGTAILADMIN_BASE_URL}{notice.link}"
        try:
            send_mail(
                subject=notice.title,
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[address],
            )
        except OSError as exc:  # smtplib's errors are OSErrors
            raise SendFailed(f"邮件发送失败：{exc}") from exc


def senders_configured() -> tuple[NoticeSender, ...]:
    """An instance of every sender ``NOTICE_SENDERS`` names."""
    return tuple(import_string(path)() for path in settings.NOTICE_SENDERS)
