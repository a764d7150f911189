"""The site's home page, the lecturers' submissions area, the three roles, and the
review workflow that sends lecturers' lessons to editors.

Roles:
- 编辑 (editors): admin access; add, edit, publish, lock anywhere under the home page;
  images, documents, lecturers, routes and video assets.
- 讲师 (lecturers): admin access; add and edit lessons in the submissions area (讲师投稿)
  and submit them for review, never publish; upload images, documents and videos.
- 党员 (members): no admin access; they learn through the portal and the API.
"""

import uuid

from django.contrib.auth.management import create_permissions
from django.db import migrations

HOME_PATH = "00010001"
SUBMISSIONS_PATH = "000100010001"

EDITOR_PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "bulk_delete_page",
    "lock_page",
    "unlock_page",
]
LECTURER_PAGE_PERMISSIONS = ["add_page", "change_page"]

EDITOR_MODEL_PERMISSIONS = {
    "cms": ["lecturer", "redroute"],
    "media_pipeline": ["videoasset"],
}
# Lecturers own what they upload (an ownership policy lets them edit their own
# assets with "add" alone) and edit only their own profile (cms.permissions).
LECTURER_MODEL_PERMISSIONS = {"media_pipeline": {"videoasset": ["add"]}}


def _ensure_permissions(apps):
    # Permissions are normally created after migrate finishes; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _permission(apps, app_label, codename):
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def forwards(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    Collection = apps.get_model("wagtailcore", "Collection")
    Group = apps.get_model("auth", "Group")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    GroupCollectionPermission = apps.get_model(
        "wagtailcore", "GroupCollectionPermission"
    )
    HomePage = apps.get_model("cms", "HomePage")
    SectionPage = apps.get_model("cms", "SectionPage")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    _ensure_permissions(apps)

    locale = Locale.objects.order_by("pk").first()
    if locale is None:
        locale = Locale.objects.create(language_code="zh-hans")

    # Replace Wagtail's welcome page with the home page.
    page_ct = ContentType.objects.get(app_label="wagtailcore", model="page")
    Page.objects.filter(content_type=page_ct, depth=2).delete()
    home_ct, _ = ContentType.objects.get_or_create(app_label="cms", model="homepage")
    section_ct, _ = ContentType.objects.get_or_create(
        app_label="cms", model="sectionpage"
    )
    home = HomePage.objects.create(
        title="党员教育",
        draft_title="党员教育",
        slug="home",
        content_type=home_ct,
        path=HOME_PATH,
        depth=2,
        numchild=1,
        url_path="/home/",
        locale=locale,
        translation_key=uuid.uuid4(),
        live=True,
        intro="<p>学党史、悟思想、办实事、开新局。</p>",
    )
    submissions = SectionPage.objects.create(
        title="讲师投稿",
        draft_title="讲师投稿",
        slug="submissions",
        content_type=section_ct,
        path=SUBMISSIONS_PATH,
        depth=3,
        numchild=0,
        url_path="/home/submissions/",
        locale=locale,
        translation_key=uuid.uuid4(),
        live=True,
        intro="<p>师资库讲师提交的微党课，经编辑审核后发布。</p>",
    )
    Page.objects.filter(depth=1).update(numchild=1)
    Site.objects.all().delete()
    Site.objects.create(
        hostname="localhost", port=80, root_page_id=home.pk, is_default_site=True
    )

    access_admin = _permission(apps, "wagtailadmin", "access_admin")
    root_collection = Collection.objects.get(depth=1)

    editors, _ = Group.objects.get_or_create(name="编辑")
    lecturers, _ = Group.objects.get_or_create(name="讲师")
    Group.objects.get_or_create(name="党员")

    editors.permissions.add(access_admin)
    lecturers.permissions.add(access_admin)
    for codename in EDITOR_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=editors,
            page_id=home.pk,
            permission=_permission(apps, "wagtailcore", codename),
        )
    for codename in LECTURER_PAGE_PERMISSIONS:
        GroupPagePermission.objects.get_or_create(
            group=lecturers,
            page_id=submissions.pk,
            permission=_permission(apps, "wagtailcore", codename),
        )
    for app_label, models in EDITOR_MODEL_PERMISSIONS.items():
        for model in models:
            for action in ("add", "change", "delete", "view"):
                editors.permissions.add(
                    _permission(apps, app_label, f"{action}_{model}")
                )
    for app_label, models in LECTURER_MODEL_PERMISSIONS.items():
        for model, actions in models.items():
            for action in actions:
                lecturers.permissions.add(
                    _permission(apps, app_label, f"{action}_{model}")
                )

    for app_label, model in (("wagtailimages", "image"), ("wagtaildocs", "document")):
        for action in ("add", "change", "delete", "choose"):
            GroupCollectionPermission.objects.get_or_create(
                group=editors,
                collection=root_collection,
                permission=_permission(apps, app_label, f"{action}_{model}"),
            )
        for action in ("add", "choose"):
            GroupCollectionPermission.objects.get_or_create(
                group=lecturers,
                collection=root_collection,
                permission=_permission(apps, app_label, f"{action}_{model}"),
            )

    task_ct, _ = ContentType.objects.get_or_create(
        app_label="wagtailcore", model="groupapprovaltask"
    )
    review = GroupApprovalTask.objects.create(
        name="编辑审核", content_type=task_ct, active=True
    )
    review.groups.add(editors)
    workflow = Workflow.objects.create(name="讲师投稿审核", active=True)
    WorkflowTask.objects.create(workflow=workflow, task_id=review.pk, sort_order=0)
    WorkflowPage.objects.create(page_id=submissions.pk, workflow=workflow)


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name="讲师投稿审核").delete()
    Task.objects.filter(name="编辑审核").delete()
    Group.objects.filter(name__in=["编辑", "讲师", "党员"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("media_pipeline", "0001_initial"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0001_initial"),
        ("wagtaildocs", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
