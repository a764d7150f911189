"""The admin's form: only the reply and the 优秀 mark are edited; the rules (the
reply's length, where a mark shares) are the services'."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from reflections.models import REPLY_MAX


class ReflectionReplyForm(WagtailAdminModelForm):
    def clean_reply(self):
        reply = (self.cleaned_data.get("reply") or "").strip()
        if len(reply) > REPLY_MAX:
            raise ValidationError(f"回复过长：{len(reply)} 字，最多 {REPLY_MAX} 字")
        return reply
