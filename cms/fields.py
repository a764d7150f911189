from django import forms
from django.db import models

from cms.choices import MemberType


class MemberTypesField(models.JSONField):
    """A list of member type codes, edited as check boxes.

    Stored as JSON so it works the same on SQLite and PostgreSQL. An empty list
    means "all member types".
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return forms.TypedMultipleChoiceField(
            choices=MemberType.choices,
            required=not self.blank,
            widget=forms.CheckboxSelectMultiple,
            label=self.verbose_name,
            help_text=self.help_text,
        )

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        unknown = set(value or []) - set(MemberType.values)
        if unknown:
            raise forms.ValidationError(f"未知的党员类别：{', '.join(sorted(unknown))}")
