"""The admin form of a live lecture: organisations and meetings inside the editor's
own subtrees."""

from __future__ import annotations

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from learning.models import Organisation
from learning.selectors import organisation_scope_q
from meetings.models import Meeting


class LiveLectureForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None:
            if "organisation" in self.fields:
                self.fields["organisation"].queryset = Organisation.objects.filter(
                    organisation_scope_q(user=self.for_user)
                )
            if "meeting" in self.fields:
                self.fields["meeting"].queryset = Meeting.objects.filter(
                    organisation_scope_q(user=self.for_user, prefix="organisation__")
                )
        if self.instance.pk and self.instance.status != "scheduled":
            for name in ("organisation", "starts_at", "member_types"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean_title(self):
        title = (self.cleaned_data.get("title") or "").strip()
        if not title:
            raise forms.ValidationError("标题不能为空")
        return title
