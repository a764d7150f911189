"""The database backend's index: one row per searchable thing.

The full-text structures live beside this table and are made by migration 0002 for
the database engine in use: an FTS5 table kept in step by triggers on SQLite, a
generated ``tsvector`` column with a GIN index on PostgreSQL. The model does not
declare them, so the ORM never touches them.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone


class SearchDocument(models.Model):
    class Kind(models.TextChoices):
        LESSON = "lesson", "微党课"
        COURSE = "course", "课程"
        TOPIC = "topic", "专题"
        LECTURER = "lecturer", "讲师"
        VR = "vr", "VR 课件"
        SITE = "site", "现场教学点"

    key = models.CharField(
        "索引键", max_length=64, unique=True, help_text="如 page:12、lecturer:3"
    )
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    ref = models.CharField(
        "稳定标识", max_length=300, db_index=True, help_text="如 lesson:<slug>"
    )
    object_id = models.PositiveIntegerField("对象 ID")
    title = models.CharField("标题", max_length=255)
    summary = models.TextField("简介", blank=True)
    body = models.TextField("正文", blank=True)
    lecturers = models.CharField("讲师", max_length=500, blank=True)
    tags = models.CharField("标签", max_length=500, blank=True)
    year = models.PositiveSmallIntegerField("年份", null=True, blank=True)
    detail_url = models.CharField("详情地址", max_length=255)
    # jieba-segmented copies of the text above, read by the full-text structures.
    title_tokens = models.TextField(blank=True)
    pinyin_tokens = models.TextField(blank=True)
    summary_tokens = models.TextField(blank=True)
    meta_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    # Character bigrams of the title, lecturers, topics and tags (partial words).
    ngram_tokens = models.TextField(blank=True)
    indexed_at = models.DateTimeField("索引时间", auto_now=True)

    class Meta:
        db_table = "search_document"
        verbose_name = "检索文档"
        verbose_name_plural = "检索文档"
        indexes = [models.Index(fields=["kind", "year"], name="search_doc_kind_year")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"


class SearchFacetValue(models.Model):
    """A topic or lecturer a document belongs to, for facets and filters."""

    class Facet(models.TextChoices):
        TOPIC = "topic", "专题"
        LECTURER = "lecturer", "讲师"

    document = models.ForeignKey(
        SearchDocument, on_delete=models.CASCADE, related_name="facet_values"
    )
    facet = models.CharField("分面", max_length=16, choices=Facet.choices)
    value = models.CharField("值", max_length=255, help_text="专题 slug 或讲师姓名")
    label = models.CharField("显示名称", max_length=255)

    class Meta:
        db_table = "search_document_facet"
        verbose_name = "检索分面值"
        verbose_name_plural = "检索分面值"
        indexes = [
            models.Index(fields=["facet", "value"], name="search_facet_value"),
        ]


class SearchSynonym(models.Model):
    """A group of terms that mean the same to members (农讲所 ↔ 农民运动讲习所):
    a query for any of them finds every one, in both backends."""

    terms = models.TextField(
        "同义词组",
        help_text="两个或更多意思相同的词，用逗号、顿号或换行分隔，"
        "如：农讲所，农民运动讲习所",
    )
    note = models.CharField("备注", max_length=255, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        db_table = "search_synonym"
        verbose_name = "检索同义词"
        verbose_name_plural = "检索同义词"
        ordering = ["pk"]

    def __str__(self) -> str:
        return "、".join(self.term_list)

    @property
    def term_list(self) -> list[str]:
        from search.synonyms import synonym_terms_split

        return synonym_terms_split(self.terms)

    def clean(self) -> None:
        from search.synonyms import synonym_terms_problem

        problem = synonym_terms_problem(self.terms)
        if problem:
            raise ValidationError({"terms": problem})


class SearchQueryLog(models.Model):
    """One search as typed (normalised), how many results it had and when: never
    who searched (no user, no address, no session)."""

    query = models.CharField("查询词", max_length=100)
    results = models.PositiveIntegerField("结果数")
    searched_at = models.DateTimeField("检索时间", default=timezone.now, db_index=True)

    class Meta:
        db_table = "search_query_log"
        verbose_name = "检索日志"
        verbose_name_plural = "检索日志"

    def __str__(self) -> str:
        return f"{self.query}（{self.results}）"
