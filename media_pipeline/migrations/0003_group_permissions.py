"""Editors (编辑) manage subtitles; lecturers (讲师) may add subtitles to their assets."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    "add_subtitle",
    "change_subtitle",
    "delete_subtitle",
    "view_subtitle",
]
LECTURER_PERMISSIONS = ["add_subtitle"]


def forwards(apps, schema_editor):
    app_config = apps.get_app_config("media_pipeline")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in (
        ("编辑", EDITOR_PERMISSIONS),
        ("讲师", LECTURER_PERMISSIONS),
    ):
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="media_pipeline", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("media_pipeline", "0002_pipeline"),
        ("cms", "0002_home_roles_and_review"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
