from django.conf import settings
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Orderable
from wagtail.search import index

from cms.forms import LecturerAdminForm


class Lecturer(index.Indexed, models.Model):
    """师资库: a lecturer of the pool, optionally tied to the account that uploads."""

    name = models.CharField("姓名", max_length=100)
    photo = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name="照片",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(
        "职务/职称", max_length=120, blank=True, help_text="如：区委党校副教授"
    )
    organisation = models.CharField(
        "所在单位", max_length=200, blank=True, help_text="讲师所在的单位或党组织"
    )
    specialties = models.CharField(
        "擅长领域",
        max_length=255,
        blank=True,
        help_text="多个领域用顿号或逗号分隔，如：党史、基层治理",
    )
    bio = RichTextField(
        "简介", blank=True, features=["bold", "italic", "link", "ol", "ul"]
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="上传账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lecturer_profile",
        help_text="可以以该讲师身份上传素材、提交微党课的用户账号",
    )

    base_form_class = LecturerAdminForm
    panels = [
        FieldPanel("name"),
        FieldPanel("photo"),
        FieldPanel("title"),
        FieldPanel("organisation"),
        FieldPanel("specialties"),
        FieldPanel("bio"),
        FieldPanel("user"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("specialties"),
        index.SearchField("organisation"),
    ]
    api_fields = [
        APIField("name"),
        APIField("title"),
        APIField("organisation"),
        APIField("specialties"),
        APIField("bio"),
    ]

    class Meta:
        verbose_name = "讲师"
        verbose_name_plural = "师资库"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def specialty_list(self) -> list[str]:
        normalised = self.specialties.replace("、", ",").replace("，", ",")
        return [item.strip() for item in normalised.split(",") if item.strip()]


class RedRoute(ClusterableModel):
    """红色线路: an ordered route through teaching sites."""

    name = models.CharField("线路名称", max_length=200)
    description = models.TextField("线路介绍", blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        InlinePanel("stops", label="站点", min_num=1),
    ]

    class Meta:
        verbose_name = "红色线路"
        verbose_name_plural = "红色线路"

    def __str__(self) -> str:
        return self.name


class RedRouteStop(Orderable):
    route = ParentalKey(RedRoute, on_delete=models.CASCADE, related_name="stops")
    site = models.ForeignKey(
        "cms.TeachingSitePage",
        verbose_name="现场教学点",
        on_delete=models.CASCADE,
        related_name="+",
    )
    note = models.CharField("站点说明", max_length=255, blank=True)

    panels = [FieldPanel("site"), FieldPanel("note")]

    class Meta(Orderable.Meta):
        verbose_name = "线路站点"
        verbose_name_plural = "线路站点"
