"""Lecturers keep "add" in the submissions area but lose "change": with Wagtail's
ownership rule, "add" lets them edit (and submit) the lessons they created, and no
longer each other's drafts."""

from django.db import migrations


def forwards(apps, schema_editor):
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupPagePermission.objects.filter(
        group__name="讲师",
        page__slug="submissions",
        permission__codename="change_page",
    ).delete()


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Page = apps.get_model("wagtailcore", "Page")
    Permission = apps.get_model("auth", "Permission")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    area = Page.objects.filter(slug="submissions", depth=3).first()
    group = Group.objects.filter(name="讲师").first()
    if area and group:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=area,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename="change_page"
            ),
        )


class Migration(migrations.Migration):
    dependencies = [("cms", "0004_review_task_checks_video")]

    operations = [migrations.RunPython(forwards, backwards)]
