"""Page types. Declarative only: fields, panels, search and API fields, tree rules."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.images.api.fields import ImageRenditionField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms import api_fields
from cms.fields import MemberTypesField
from cms.panels import VideoReviewPanel
from cms.slugs import PinyinSlugMixin

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul", "image"]


def _cover_field(verbose_name: str = "封面") -> models.ForeignKey:
    return models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=verbose_name,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )


class HomePage(PinyinSlugMixin, Page):
    intro = RichTextField("首页导语", blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]
    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = "首页"


class SectionPage(PinyinSlugMixin, Page):
    """栏目: a section that holds courses, lessons, VR courseware or teaching sites.

    The lecturers' submissions area (讲师投稿) is a section too: lecturers may add
    and edit lessons there, and its workflow sends them to editors for review.
    """

    intro = RichTextField("栏目介绍", blank=True, features=RICH_TEXT_FEATURES)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    api_fields = [APIField("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = [
        "cms.CoursePage",
        "cms.MicroLessonPage",
        "cms.VRCoursewarePage",
        "cms.TeachingSitePage",
    ]

    class Meta:
        verbose_name = "栏目"


class TopicPage(PinyinSlugMixin, Page):
    """专题: a themed programme made of courses, e.g. 党史学习教育."""

    intro = RichTextField("专题介绍", blank=True, features=RICH_TEXT_FEATURES)
    cover = _cover_field()
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("intro"),
        FieldPanel("cover"),
        FieldRowPanel(
            [FieldPanel("start_date"), FieldPanel("end_date")], heading="时间"
        ),
        InlinePanel("topic_courses", label="专题课程"),
    ]
    search_fields = Page.search_fields + [index.SearchField("intro")]
    api_fields = [
        APIField("intro"),
        APIField("cover"),
        APIField("cover_image", serializer=api_fields.CoverField(source="*")),
        APIField(
            "cover_thumbnail",
            serializer=ImageRenditionField("fill-640x360", source="cover"),
        ),
        APIField("start_date"),
        APIField("end_date"),
        APIField("courses", serializer=api_fields.TopicCoursesField(source="*")),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "专题"
        verbose_name_plural = "专题"


class TopicCourse(Orderable):
    topic = ParentalKey(
        TopicPage, on_delete=models.CASCADE, related_name="topic_courses"
    )
    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name="课程",
        on_delete=models.CASCADE,
        related_name="topic_links",
    )
    required = models.BooleanField(
        "专题必学", default=True, help_text="勾选后，完成本专题需要完成该课程"
    )

    panels = [FieldPanel("course"), FieldPanel("required")]

    class Meta(Orderable.Meta):
        verbose_name = "专题课程"
        verbose_name_plural = "专题课程"
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "course"], name="unique_topic_course"
            )
        ]


class CourseTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.CoursePage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class CoursePage(PinyinSlugMixin, Page):
    """课程: an ordered set of micro-lessons, compulsory (必修) or elective (选修)."""

    class Category(models.TextChoices):
        COMPULSORY = "compulsory", "必修"
        ELECTIVE = "elective", "选修"

    category = models.CharField(
        "课程类别", max_length=16, choices=Category.choices, default=Category.COMPULSORY
    )
    summary = models.TextField("课程简介", blank=True)
    cover = _cover_field()
    credit_hours = models.DecimalField(
        "学时",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="留空表示按规则计算（按微党课时长折算学时）",
    )
    completion_threshold = models.PositiveSmallIntegerField(
        "完成比例（%）",
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="每节微党课观看去重后的比例达到该值即视为完成",
    )
    lecturers = ParentalManyToManyField(
        "cms.Lecturer", verbose_name="授课讲师", blank=True, related_name="courses"
    )
    intended_member_types = MemberTypesField(
        "面向党员类别", help_text="不选表示面向全体党员"
    )
    exam_required = models.BooleanField(
        "须通过结业考试",
        default=False,
        help_text="勾选后，学完必学微党课并通过本课程的结业考试才算完成课程",
    )
    tags = ClusterTaggableManager("标签", through=CourseTag, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("category"),
        FieldPanel("summary"),
        FieldPanel("cover"),
        MultiFieldPanel(
            [
                FieldPanel("credit_hours"),
                FieldPanel("completion_threshold"),
                FieldPanel("intended_member_types"),
                FieldPanel("exam_required"),
            ],
            heading="学时与完成规则",
        ),
        InlinePanel("course_lessons", label="课程微党课（按顺序）"),
        FieldPanel("lecturers"),
        FieldPanel("tags"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.FilterField("category"),
    ]
    api_fields = [
        APIField("category"),
        APIField("summary"),
        APIField("cover"),
        APIField("cover_image", serializer=api_fields.CoverField(source="*")),
        APIField(
            "cover_thumbnail",
            serializer=ImageRenditionField("fill-640x360", source="cover"),
        ),
        APIField("credit_hours"),
        APIField("completion_threshold"),
        APIField("intended_member_types", serializer=api_fields.MemberTypesListField()),
        APIField("exam_required"),
        APIField("tags"),
        APIField("lessons", serializer=api_fields.CourseLessonsField(source="*")),
        APIField("lecturers", serializer=api_fields.LecturerListField()),
    ]
    parent_page_types = ["cms.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "课程"
        verbose_name_plural = "课程"


class CourseLesson(Orderable):
    course = ParentalKey(
        CoursePage, on_delete=models.CASCADE, related_name="course_lessons"
    )
    lesson = models.ForeignKey(
        "cms.MicroLessonPage",
        verbose_name="微党课",
        on_delete=models.CASCADE,
        related_name="course_links",
    )
    compulsory = models.BooleanField(
        "必学", default=True, help_text="完成课程需要完成所有必学的微党课"
    )

    panels = [FieldPanel("lesson"), FieldPanel("compulsory")]

    class Meta(Orderable.Meta):
        verbose_name = "课程微党课"
        verbose_name_plural = "课程微党课"
        constraints = [
            models.UniqueConstraint(
                fields=["course", "lesson"], name="unique_course_lesson"
            )
        ]


class LessonTag(TaggedItemBase):
    content_object = ParentalKey(
        "cms.MicroLessonPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class MicroLessonPage(PinyinSlugMixin, Page):
    """微党课: a short video lesson by a lecturer."""

    video = models.ForeignKey(
        "media_pipeline.VideoAsset",
        verbose_name="视频",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    summary = models.TextField("内容简介", blank=True)
    body = RichTextField("讲稿/正文", blank=True, features=RICH_TEXT_FEATURES)
    lecturer = models.ForeignKey(
        "cms.Lecturer",
        verbose_name="主讲人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    duration = models.PositiveIntegerField(
        "时长（秒）",
        default=0,
        help_text="视频处理完成后自动填写；也可手工填写",
    )
    cover = _cover_field()
    tags = ClusterTaggableManager("标签", through=LessonTag, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("video"),
        VideoReviewPanel(heading="视频预览"),
        FieldPanel("lecturer"),
        FieldPanel("summary"),
        FieldPanel("duration"),
        FieldPanel("cover"),
        FieldPanel("body"),
        InlinePanel("courseware", label="课件"),
        FieldPanel("tags"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.RelatedFields("lecturer", [index.SearchField("name")]),
    ]
    api_fields = [
        APIField("summary"),
        APIField("body"),
        APIField("duration"),
        APIField("cover"),
        APIField("cover_image", serializer=api_fields.CoverField(source="*")),
        APIField("lecturer", serializer=api_fields.LecturerSummaryField()),
        APIField("video", serializer=api_fields.VideoAssetField()),
        APIField("courseware", serializer=api_fields.CoursewareField(source="*")),
        APIField("tags"),
    ]
    parent_page_types = ["cms.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "微党课"
        verbose_name_plural = "微党课"


class LessonCourseware(Orderable):
    lesson = ParentalKey(
        MicroLessonPage, on_delete=models.CASCADE, related_name="courseware"
    )
    document = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="课件文档",
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField("显示名称", max_length=255, blank=True)

    panels = [FieldPanel("document"), FieldPanel("title")]

    class Meta(Orderable.Meta):
        verbose_name = "课件"
        verbose_name_plural = "课件"


class VRCoursewarePage(PinyinSlugMixin, Page):
    """VR 课件: 360° video, a WebXR package, or an on-site VR station."""

    class Kind(models.TextChoices):
        VIDEO_360 = "video360", "360° 全景视频"
        WEBXR = "webxr", "WebXR 交互课件"
        STATION = "station", "现场 VR 体验站"

    class CompletionRule(models.TextChoices):
        WATCHED = "watched", "观看全景视频达到完成比例"
        ATTENDED = "attended", "在现场体验站签到"

    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    summary = models.TextField("简介", blank=True)
    video = models.ForeignKey(
        "media_pipeline.VideoAsset",
        verbose_name="全景视频",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vr_courseware",
    )
    package = models.ForeignKey(
        "wagtaildocs.Document",
        verbose_name="WebXR 课件包",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    device_requirements = models.TextField(
        "设备要求", blank=True, help_text="如：VR 一体机、支持陀螺仪的手机"
    )
    duration = models.PositiveIntegerField("时长（秒）", default=0)
    teaching_site = models.ForeignKey(
        "cms.TeachingSitePage",
        verbose_name="所在教学点",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vr_courseware",
    )
    completion_rule = models.CharField(
        "完成规则",
        max_length=16,
        choices=CompletionRule.choices,
        default=CompletionRule.WATCHED,
    )
    cover = _cover_field()

    content_panels = Page.content_panels + [
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("video"),
        VideoReviewPanel(heading="视频预览"),
        FieldPanel("package"),
        FieldPanel("device_requirements"),
        FieldPanel("duration"),
        FieldPanel("teaching_site"),
        FieldPanel("completion_rule"),
        FieldPanel("cover"),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    api_fields = [
        APIField("kind"),
        APIField("summary"),
        APIField("device_requirements"),
        APIField("duration"),
        APIField("completion_rule"),
        APIField("video", serializer=api_fields.VideoAssetField()),
        APIField("teaching_site", serializer=api_fields.PageLinkField()),
        APIField("cover"),
        APIField("cover_image", serializer=api_fields.CoverField(source="*")),
    ]
    parent_page_types = ["cms.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "VR 课件"
        verbose_name_plural = "VR 课件"


class TeachingSitePage(PinyinSlugMixin, Page):
    """现场教学点 / 红色遗址: a place where classes are held on site."""

    address = models.CharField("地址", max_length=255)
    latitude = models.FloatField(
        "纬度",
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text="WGS-84 十进制度数",
    )
    longitude = models.FloatField(
        "经度",
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text="WGS-84 十进制度数",
    )
    history = RichTextField("历史沿革", blank=True, features=RICH_TEXT_FEATURES)
    opening_hours = models.CharField(
        "开放时间", max_length=255, blank=True, help_text="如：周二至周日 9:00–17:00"
    )
    cover = _cover_field()

    content_panels = Page.content_panels + [
        FieldPanel("address"),
        FieldRowPanel(
            [FieldPanel("latitude"), FieldPanel("longitude")], heading="坐标"
        ),
        FieldPanel("opening_hours"),
        FieldPanel("history"),
        FieldPanel("cover"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("address"),
        index.SearchField("history"),
    ]
    api_fields = [
        APIField("address"),
        APIField("latitude"),
        APIField("longitude"),
        APIField("opening_hours"),
        APIField("history"),
        APIField("cover"),
    ]
    parent_page_types = ["cms.SectionPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = "现场教学点"
        verbose_name_plural = "现场教学点"
