"""Readable URLs: a new page with a Chinese title and no ASCII slug gets the title's
pinyin, lowercase, hyphen-joined, bounded, unique among its siblings; a typed ASCII
slug and an existing page's slug stay as they are."""

from __future__ import annotations

import pytest
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from cms.models import CoursePage, MicroLessonPage, TopicPage
from cms.slugs import MAX_LENGTH, pinyin_slug
from tests import factories


@pytest.mark.parametrize(
    "title, slug",
    [
        ("党史学习教育", "dang-shi-xue-xi-jiao-yu"),
        ("重庆红岩精神", "chong-qing-hong-yan-jing-shen"),  # 重 read chong in 重庆
        ("绿色发展", "lv-se-fa-zhan"),  # ü as v
        ("2024年“两学一做”专题！", "2024-nian-liang-xue-yi-zuo-zhuan-ti"),
        ("学习贯彻 Part 2：党章", "xue-xi-guan-che-part-2-dang-zhang"),
        ("ＡＢＣ１２３党课", "abc123-dang-ke"),  # full-width folded
        ("绿色发展🌱🚩", "lv-se-fa-zhan"),  # emoji dropped
        ("长征精神·永放光芒", "chang-zheng-jing-shen-yong-fang-guang-mang"),
        ("Café 党课", "cafe-dang-ke"),
        ("🌱🚩！！", "page"),  # nothing pronounceable
    ],
)
def test_pinyin_slug(title, slug):
    assert pinyin_slug(title) == slug


def test_a_long_title_is_cut_at_a_syllable():
    title = (
        "深入学习贯彻习近平新时代中国特色社会主义思想和党的二十大精神专题学习班第一期"
    )
    slug = pinyin_slug(title)
    assert len(slug) <= MAX_LENGTH
    assert slug.startswith("shen-ru-xue-xi-guan-che-xi-jin-ping")
    assert not slug.endswith("-")
    # every piece is a whole syllable of the title's pinyin
    full = pinyin_slug(title, max_length=1000).split("-")
    assert full[: len(slug.split("-"))] == slug.split("-")
    # one long ASCII word has no hyphen to cut at: it is cut at the limit
    assert pinyin_slug("党" + "x" * 200) == ("dang-" + "x" * 200)[:MAX_LENGTH]


def test_a_new_page_gets_the_pinyin_of_its_chinese_title(section):
    course = CoursePage(title="党史学习教育必修课")
    section.add_child(instance=course)
    assert course.slug == "dang-shi-xue-xi-jiao-yu-bi-xiu-ke"
    assert course.url.endswith("/dang-shi-xue-xi-jiao-yu-bi-xiu-ke/")
    assert course.slug.isascii()


def test_the_unicode_slug_wagtails_field_fills_in_is_replaced(section):
    # Wagtail's slug field (WAGTAIL_ALLOW_UNICODE_SLUGS) copies the characters
    lesson = MicroLessonPage(title="初心使命", slug="初心使命")
    section.add_child(instance=lesson)
    assert lesson.slug == "chu-xin-shi-ming"


def test_siblings_with_one_title_get_numbers(section, home_page):
    first = factories.section(home_page, title="x", slug="x")  # another parent
    pages = []
    for parent in (section, section, section, first):
        page = MicroLessonPage(title="初心使命")
        parent.add_child(instance=page)
        pages.append(page.slug)
    assert pages == [
        "chu-xin-shi-ming",
        "chu-xin-shi-ming-2",
        "chu-xin-shi-ming-3",
        "chu-xin-shi-ming",  # unique among siblings only
    ]


def test_a_typed_ascii_slug_is_kept(section):
    lesson = MicroLessonPage(title="初心使命", slug="mission")
    section.add_child(instance=lesson)
    assert lesson.slug == "mission"


def test_a_draft_created_unpublished_gets_it_too(home_page):
    topic = TopicPage(title="主题教育", live=False)
    home_page.add_child(instance=topic)
    assert topic.slug == "zhu-ti-jiao-yu"


def test_an_existing_pages_slug_does_not_change(section):
    lesson = MicroLessonPage(title="旧标题", slug="旧标题")
    section.add_child(instance=lesson)
    # an old page (before this rule) keeps its Unicode slug through edits
    MicroLessonPage.objects.filter(pk=lesson.pk).update(slug="旧标题")
    lesson.refresh_from_db()
    lesson.title = "新标题"
    lesson.save_revision().publish()
    lesson.refresh_from_db()
    assert lesson.slug == "旧标题"


def test_the_admin_create_form_gives_the_pinyin_slug(client_for, section, editor):
    """What the editor's slug field sends (the title's characters) becomes pinyin;
    the draft saved from the form is found at its readable URL."""
    response = client_for(editor).post(
        f"/admin/pages/add/cms/microlessonpage/{section.pk}/",
        nested_form_data(
            {
                "title": "红色家书",
                "slug": "红色家书",  # what the slug field's script fills in
                "summary": "",
                "duration": 0,
                "body": rich_text(""),
                "courseware": inline_formset([]),
                "tags": "",
            }
        ),
    )
    assert response.status_code == 302
    lesson = MicroLessonPage.objects.child_of(section).get(title="红色家书")
    assert lesson.slug == "hong-se-jia-shu"
