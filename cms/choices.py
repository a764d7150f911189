"""Choices the content model shares with the apps that read it."""

from django.db import models


class MemberType(models.TextChoices):
    """党员类别: who a member is, which decides targets and assignments."""

    REGULAR = "regular", "普通党员"
    MOBILE = "mobile", "流动党员"
    RETIRED = "retired", "离退休党员"
    SECRETARY = "secretary", "书记及两委"
