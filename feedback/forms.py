"""The admin's answer form: only the status and the answer are edited; the rule
that 已答复 needs an answer is the service's (``feedback_answer_check``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminModelForm

from dangke.errors import DomainError
from feedback.services import feedback_answer_check


class FeedbackAnswerForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        try:
            feedback_answer_check(
                status=cleaned.get("status", ""), answer=cleaned.get("answer", "")
            )
        except DomainError as refusal:
            field = "answer" if "answer" in refusal.code else "status"
            raise ValidationError({field: refusal.detail}) from None
        return cleaned
