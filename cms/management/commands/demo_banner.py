from django.conf import settings
from django.core.management.base import BaseCommand

from cms import demo_data


class Command(BaseCommand):
    help = "Print the URLs and demo logins that `make run` serves."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, base_url, **options):
        base = base_url.rstrip("/")
        lines = [
            "",
            "dangke is starting:",
            f"  admin        {base}/admin/",
            f"  API          {base}/api/v3/pages/?type=cms.MicroLessonPage",
            f"  API docs     {base}/api/v3/docs/  (OpenAPI: {base}/api/v3/openapi.json)",
            f"  site         {base}/",
            f"  logs         {settings.LOG_FILE}  (LOG_LEVEL=INFO: on this terminal too)",
            "",
            "try first:",
            f"  a lesson     {base}/lessons/{demo_data.LESSONS[0][0]}/  "
            "(voice, subtitles, 仅听声音; sign in as member to resume)",
            f"  360° VR      {base}/vr/{demo_data.VR_COURSEWARE[0]['slug']}/  "
            "(drag or use the arrow keys)",
            "",
            f"demo logins (password for all: {demo_data.DEMO_PASSWORD}):",
        ]
        lines += [
            f"  {username:<10} {what}"
            for username, _, _, _, what in demo_data.DEMO_USERS
        ]
        self.stdout.write("\n".join(lines + [""]))
