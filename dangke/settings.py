"""dangke settings.

Every value that differs between machines comes from the environment, read here and
nowhere else. Without any environment the embedded defaults apply: a SQLite file,
local media files and kombu's filesystem broker, all under ``var/``, and the database
search backend. A wrong value stops start-up with ``ImproperlyConfigured`` naming the
variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DANGKE_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default) or default
    if value not in choices:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not one of: {', '.join(choices)}"
        )
    return value


VAR_DIR.mkdir(parents=True, exist_ok=True)

# --- core -----------------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Development only: a random key kept under var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The project's own apps: installed first, and logged at LOG_LEVEL (INFO by default).
PROJECT_APPS = (
    "dangke",
    "cms",
    "learning",
    "assessment",
    "media_pipeline",
    "search",
    "meetings",
    "training",
    "notices",
    "feedback",
    "certificates",
    "figures",
    "lectures",
    "competitions",
    "broadcasts",
    "viewing",
    "reflections",
    "themes",
)

INSTALLED_APPS = [
    *PROJECT_APPS,
    "wagtail.api.v3",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Serves the API docs' Swagger UI from our static files, not a CDN.
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "storages",
]

MIDDLEWARE = [
    "dangke.middleware.RequestIdMiddleware",
    "dangke.middleware.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "dangke.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "themes.middleware.PortalSecurityHeadersMiddleware",
    "dangke.middleware.SignInThrottleMiddleware",
    # Last, so it sees exceptions straight from the view.
    "dangke.middleware.ServerErrorMiddleware",
]

ROOT_URLCONF = "dangke.urls"
WSGI_APPLICATION = "dangke.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "themes.context_processors.portal",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------

_DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")


def _database(url: str) -> dict:
    scheme = urlsplit(url).scheme
    if scheme not in _DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL={url!r}: unsupported scheme {scheme!r} "
            "(use sqlite:///path or postgres://user@host:port/name)"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL={url!r}: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web process and the worker read while one of them writes.
        config.setdefault("OPTIONS", {})
        config["OPTIONS"].update(
            {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    elif not config.get("NAME"):
        raise ImproperlyConfigured(f"DATABASE_URL={url!r}: names no database")
    return config


DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'dangke.sqlite3'}"
DATABASES = {"default": _database(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- auth -----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The portal's sign-in; the Wagtail admin keeps its own (/admin/login/).
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = LOGIN_URL

# --- i18n -----------------------------------------------------------------------

# Everyone reads Chinese (LANGUAGE_CODE) whatever their browser asks for: no
# LocaleMiddleware. In the admin, a user who chose another language in their
# account settings gets it (Wagtail's preferred language, among
# WAGTAILADMIN_PERMITTED_LANGUAGES).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
WAGTAIL_CONTENT_LANGUAGES = [("zh-hans", "简体中文")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]

# --- files ----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = env_str("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env_str("AWS_SECRET_ACCESS_KEY") or None
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 3600)

if AWS_S3_ENDPOINT_URL and urlsplit(AWS_S3_ENDPOINT_URL).scheme not in (
    "http",
    "https",
):
    raise ImproperlyConfigured(
        f"AWS_S3_ENDPOINT_URL={AWS_S3_ENDPOINT_URL!r} is not an http(s) URL"
    )

if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "access_key": AWS_ACCESS_KEY_ID,
            "secret_key": AWS_SECRET_ACCESS_KEY,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": AWS_QUERYSTRING_EXPIRE,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- email (workflow notifications) -------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    # Without a mail server, outgoing mail is kept as files to read under var/mail.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = (
    env_str("DEFAULT_FROM_EMAIL", "dangke@localhost") or "dangke@localhost"
)
WAGTAILADMIN_NOTIFICATION_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- media tools ----------------------------------------------------------------

FFMPEG_BINARY = env_str("FFMPEG_BINARY", "ffmpeg") or "ffmpeg"
FFPROBE_BINARY = env_str("FFPROBE_BINARY", "ffprobe") or "ffprobe"

# --- jobs -----------------------------------------------------------------------

_BROKER_SCHEMES = ("filesystem", "redis", "rediss", "amqp", "amqps", "pyamqp", "memory")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
_broker_scheme = urlsplit(CELERY_BROKER_URL).scheme
if _broker_scheme not in _BROKER_SCHEMES:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r}: unsupported scheme "
        f"{_broker_scheme!r} (use one of {', '.join(_BROKER_SCHEMES)})"
    )
if _broker_scheme == "filesystem":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Exchange tables, which kombu otherwise writes to ./control.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ROUTES = {"media_pipeline.tasks.*": {"queue": "media"}}
CELERY_TASK_DEFAULT_QUEUE = "default"
# Periodic work (run by `celery beat`, embedded in the worker by `make run` with -B):
# close quiz attempts left open past their deadline, drop abandoned uploads.
CELERY_BEAT_SCHEDULE = {
    "assessment-close-expired-attempts": {
        "task": "assessment.tasks.quiz_attempts_close_expired_task",
        "schedule": 60.0,
    },
    "media-purge-expired-uploads": {
        "task": "media_pipeline.tasks.tus_uploads_purge_expired_task",
        "schedule": 3600.0,
    },
    "search-purge-query-log": {
        "task": "search.tasks.search_query_log_purge_task",
        "schedule": 86400.0,
    },
    "notices-send-due-reminders": {
        "task": "notices.tasks.reminders_send_due_task",
        "schedule": 60.0,
    },
    "training-reminders": {
        "task": "training.tasks.training_reminders_task",
        "schedule": 900.0,
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- media pipeline -------------------------------------------------------------


def env_ladder(name: str, default: str) -> list[tuple[int, int]]:
    """``"240:400,480:1000"`` -> [(height, video kbit/s), ...], lowest first."""
    raw = env_str(name, default) or default
    rungs = []
    for item in raw.split(","):
        height, _, kbps = item.strip().partition(":")
        if (
            not (height.isdigit() and kbps.isdigit())
            or int(height) % 2
            or not (int(height) > 0 and int(kbps) > 0)
        ):
            raise ImproperlyConfigured(
                f"{name}={raw!r}: each rung is <even height>:<video kbit/s>, "
                "comma separated (e.g. 240:400,480:1000)"
            )
        rungs.append((int(height), int(kbps)))
    return sorted(rungs)


def env_positive(name: str, default: int) -> int:
    value = env_int(name, default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name}={value!r} must be greater than zero")
    return value


# Reminders (notices): the senders the worker uses (dotted paths, comma-separated;
# notices.senders documents the interface for SMS or WeChat), how many a run sends,
# and how many hours before a meeting its attendees are reminded.
NOTICE_SENDERS = env_list("NOTICE_SENDERS", ["notices.senders.EmailSender"])
NOTICE_REMINDERS_PER_RUN = env_positive("NOTICE_REMINDERS_PER_RUN", 500)
MEETINGS_REMINDER_HOURS = env_positive("MEETINGS_REMINDER_HOURS", 24)
# Files attached to a meeting's minutes (PDF, images, DOCX): at most this many MB.
MEETINGS_ATTACHMENT_MAX_MB = env_positive("MEETINGS_ATTACHMENT_MAX_MB", 10)
# The lecture menu (lectures): hours before an accepted lecture its lecturer and
# branch are reminded; ratings a lecture needs before its average is shown.
LECTURES_REMINDER_HOURS = env_positive("LECTURES_REMINDER_HOURS", 24)
LECTURES_RATING_MIN_GROUP = env_positive("LECTURES_RATING_MIN_GROUP", 5)
# Live lectures (broadcasts): nginx-rtmp's ingest (the RTMP URL OBS pushes to, the
# port ``make run`` listens on), where its HLS goes, how nginx's callbacks reach the
# platform and are protected, the publish window, the reminder and the place hold.
BROADCASTS_RTMP_PORT = env_positive("BROADCASTS_RTMP_PORT", 19350)
BROADCASTS_RTMP_URL = env_str(
    "BROADCASTS_RTMP_URL", f"rtmp://127.0.0.1:{BROADCASTS_RTMP_PORT}/live"
)
BROADCASTS_HLS_DIR = Path(env_str("BROADCASTS_HLS_DIR") or VAR_DIR / "live" / "hls")
BROADCASTS_RECORD_DIR = Path(
    env_str("BROADCASTS_RECORD_DIR") or VAR_DIR / "live" / "recordings"
)
BROADCASTS_CALLBACK_URL = env_str("BROADCASTS_CALLBACK_URL", "http://127.0.0.1:8000")
BROADCASTS_CALLBACK_SECRET = env_str("BROADCASTS_CALLBACK_SECRET")
BROADCASTS_CALLBACK_NETWORKS = env_list(
    "BROADCASTS_CALLBACK_NETWORKS", ["127.0.0.0/8", "::1/128"]
)
BROADCASTS_PUBLISH_EARLY_MINUTES = env_positive("BROADCASTS_PUBLISH_EARLY_MINUTES", 30)
BROADCASTS_PUBLISH_GRACE_MINUTES = env_positive("BROADCASTS_PUBLISH_GRACE_MINUTES", 30)
BROADCASTS_REMINDER_MINUTES = env_positive("BROADCASTS_REMINDER_MINUTES", 30)
BROADCASTS_PLACE_HOLD_SECONDS = env_positive("BROADCASTS_PLACE_HOLD_SECONDS", 60)
# The public certificate verify page (and its API operation): requests a minute from
# one client address before 429.
CERTIFICATE_VERIFY_PER_MINUTE = env_positive("CERTIFICATE_VERIFY_PER_MINUTE", 60)
# Documents printed or filed (ledgers) are PDFs with this Chinese font embedded
# (dangke.pdf); in a collection (.ttc), the face at PDF_FONT_INDEX (2: Noto's SC).
PDF_FONT_PATH = env_str(
    "PDF_FONT_PATH", "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
)
PDF_FONT_INDEX = env_int("PDF_FONT_INDEX", 2)

# Video rungs (height:kbit/s), never above the source height; AAC audio in each.
MEDIA_LADDER = env_ladder("MEDIA_LADDER", "240:400,480:1000,720:2500,1080:5000")
MEDIA_AUDIO_KBPS = env_positive("MEDIA_AUDIO_KBPS", 128)
MEDIA_AUDIO_ONLY_KBPS = env_positive("MEDIA_AUDIO_ONLY_KBPS", 64)
MEDIA_X264_PRESET = env_choice(
    "MEDIA_X264_PRESET",
    "veryfast",
    ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"),
)
# Rate control of the video rungs: "crf" encodes each for the quality target
# MEDIA_X264_CRF (lower is better, 18..28 sensible) with its peak capped at
# MEDIA_CRF_CAP_PERCENT % of the rung's MEDIA_LADDER bitrate; "abr" encodes each at
# its ladder bitrate whatever the picture (media_pipeline.transcode).
MEDIA_RATE_CONTROL = env_choice("MEDIA_RATE_CONTROL", "crf", ("crf", "abr"))
MEDIA_X264_CRF = env_positive("MEDIA_X264_CRF", 23)
if MEDIA_X264_CRF > 51:
    raise ImproperlyConfigured(f"MEDIA_X264_CRF={MEDIA_X264_CRF} must be 1..51")
# 95 %: the VBV buffer starts nearly full, so a clip that is all motion runs a little
# over its cap at first; 95 % keeps it under the fixed ladder's bytes (bench-bitrate).
MEDIA_CRF_CAP_PERCENT = env_positive("MEDIA_CRF_CAP_PERCENT", 95)
MEDIA_MAX_WIDTH = env_positive("MEDIA_MAX_WIDTH", 3840)
MEDIA_MAX_HEIGHT = env_positive("MEDIA_MAX_HEIGHT", 2160)
MEDIA_MAX_FPS = env_positive("MEDIA_MAX_FPS", 60)
MEDIA_MAX_DURATION = env_positive("MEDIA_MAX_DURATION", 4 * 3600)
MEDIA_MAX_STREAMS = env_positive("MEDIA_MAX_STREAMS", 8)
MEDIA_PROBE_TIMEOUT = env_positive("MEDIA_PROBE_TIMEOUT", 30)
# Wall-clock limit of one transcode, as a multiple of the media's duration (+10 min).
MEDIA_TRANSCODE_TIMEOUT_FACTOR = env_positive("MEDIA_TRANSCODE_TIMEOUT_FACTOR", 10)
MEDIA_UPLOAD_MAX_SIZE = env_positive("MEDIA_UPLOAD_MAX_SIZE", 4 * 1024**3)
MEDIA_UPLOAD_EXPIRY = env_positive("MEDIA_UPLOAD_EXPIRY", 24 * 3600)
MEDIA_UPLOAD_DIR = Path(env_str("MEDIA_UPLOAD_DIR") or VAR_DIR / "uploads")
MEDIA_WORK_DIR = Path(env_str("MEDIA_WORK_DIR") or VAR_DIR / "transcode")
MEDIA_SIGNED_URL_SECONDS = env_positive("MEDIA_SIGNED_URL_SECONDS", 6 * 3600)
MEDIA_LEASE_SECONDS = env_positive("MEDIA_LEASE_SECONDS", 120)
MEDIA_MAX_ATTEMPTS = env_positive("MEDIA_MAX_ATTEMPTS", 3)
MEDIA_RETRY_BACKOFF = env_positive("MEDIA_RETRY_BACKOFF", 30)
if _broker_scheme in ("redis", "rediss"):
    # An unacknowledged task (its worker was killed) is delivered again after the
    # visibility timeout; workers look for such tasks every few seconds.
    _visibility_timeout = env_positive("CELERY_VISIBILITY_TIMEOUT", 3600)
    # A task waiting out a countdown (a held lease: up to the lease + 1 s; a retry's
    # backoff) longer than the timeout is delivered again, and again: a copy each time.
    _longest_countdown = max(
        MEDIA_LEASE_SECONDS + 1,
        MEDIA_RETRY_BACKOFF * 2 ** max(0, MEDIA_MAX_ATTEMPTS - 2),
    )
    if _visibility_timeout <= _longest_countdown:
        raise ImproperlyConfigured(
            f"CELERY_VISIBILITY_TIMEOUT={_visibility_timeout} must be above the "
            f"longest task countdown, {_longest_countdown} s (MEDIA_LEASE_SECONDS + 1, "
            "and MEDIA_RETRY_BACKOFF × 2^(MEDIA_MAX_ATTEMPTS − 2)): Redis would "
            "deliver waiting media tasks again and again"
        )
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility_timeout,
        "unacked_restore_interval": min(10, _visibility_timeout),
        "unacked_restore_throttle": 1,
    }

# --- search ---------------------------------------------------------------------

SEARCH_BACKEND = env_choice("SEARCH_BACKEND", "database", ("database", "elasticsearch"))
ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")
if SEARCH_BACKEND == "elasticsearch" and not ELASTICSEARCH_URL:
    raise ImproperlyConfigured(
        "SEARCH_BACKEND=elasticsearch needs ELASTICSEARCH_URL (e.g. http://127.0.0.1:9200)"
    )
if ELASTICSEARCH_URL and urlsplit(ELASTICSEARCH_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured(
        f"ELASTICSEARCH_URL={ELASTICSEARCH_URL!r} is not an http(s) URL"
    )
ELASTICSEARCH_INDEX = env_str("ELASTICSEARCH_INDEX", "dangke") or "dangke"
# Days a logged search query (text, result count, time; never who) is kept.
SEARCH_QUERY_LOG_RETENTION_DAYS = env_positive("SEARCH_QUERY_LOG_RETENTION_DAYS", 180)
ELASTICSEARCH_ANALYZER = env_choice(
    "ELASTICSEARCH_ANALYZER", "cjk", ("cjk", "smartcn", "ik")
)
CELERY_TASK_ROUTES["search.tasks.*"] = {"queue": "search"}
# Wagtail's own admin search keeps its database backend.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- learning -------------------------------------------------------------------

# Django's cache holds the heartbeat rate-limit counters and lesson facts; with several
# gunicorn workers point CACHE_URL at Redis so the limits hold across them.
CACHE_URL = env_str("CACHE_URL") or "locmem://"
_cache_scheme = urlsplit(CACHE_URL).scheme
if _cache_scheme in ("redis", "rediss"):
    CACHES = {
        "default": {
            "BACKEND": "dangke.cache.KeptClientRedisCache",
            "LOCATION": CACHE_URL,
        }
    }
elif _cache_scheme == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured(
        f"CACHE_URL={CACHE_URL!r}: unsupported scheme {_cache_scheme!r} "
        "(use redis://host:port/db or locmem://)"
    )
LEARNING_HEARTBEATS_PER_MINUTE = env_int("LEARNING_HEARTBEATS_PER_MINUTE", 30)
LEARNING_CHECKINS_PER_MINUTE = env_int("LEARNING_CHECKINS_PER_MINUTE", 10)
# Wrong passwords per account in 15 minutes, at the portal's and the admin's sign-in
# alike (four times as many per client address).
PORTAL_SIGNIN_FAILURES_ALLOWED = env_int("PORTAL_SIGNIN_FAILURES_ALLOWED", 5)
# Requests with an invalid bearer token per client address and minute, then 429.
API_BAD_TOKENS_PER_MINUTE = env_int("API_BAD_TOKENS_PER_MINUTE", 20)
for _name in (
    "LEARNING_HEARTBEATS_PER_MINUTE",
    "LEARNING_CHECKINS_PER_MINUTE",
    "PORTAL_SIGNIN_FAILURES_ALLOWED",
    "API_BAD_TOKENS_PER_MINUTE",
):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")

# --- imports (questions, organisations, members) --------------------------------

# A spreadsheet is refused before it is parsed when reading it could take unbounded
# time or memory: a small XLSX can unpack to gigabytes (a "zip bomb"), or claim a
# million rows in its dimension. The limits below are named in the refusals.
# Bytes of an uploaded import file (XLSX, CSV, GIFT, Aiken).
IMPORT_MAX_BYTES = env_positive("IMPORT_MAX_BYTES", 20 * 1024**2)
# Bytes an XLSX unpacks to, all its parts together and any one part.
IMPORT_MAX_UNCOMPRESSED_BYTES = env_positive(
    "IMPORT_MAX_UNCOMPRESSED_BYTES", 256 * 1024**2
)
# Unpacked ÷ packed size of one XLSX part above 1 MB; spreadsheets stay far below.
IMPORT_MAX_COMPRESSION_RATIO = env_positive("IMPORT_MAX_COMPRESSION_RATIO", 200)
# Rows of one file after its header (100,000 questions or members), and columns.
IMPORT_MAX_ROWS = env_positive("IMPORT_MAX_ROWS", 100_000)
IMPORT_MAX_COLUMNS = env_positive("IMPORT_MAX_COLUMNS", 64)
# Bad rows listed by name on the result page; the rest are counted.
IMPORT_MAX_LISTED_ERRORS = env_positive("IMPORT_MAX_LISTED_ERRORS", 200)
# Rows written per transaction: short enough that the write lock (SQLite) or row
# locks are never held long enough to fail heartbeats and searches meanwhile.
IMPORT_BATCH_SIZE = env_positive("IMPORT_BATCH_SIZE", 500)
# A worker running an import job holds it this long between progress reports.
IMPORT_LEASE_SECONDS = env_positive("IMPORT_LEASE_SECONDS", 300)

# --- wagtail --------------------------------------------------------------------

WAGTAIL_SITE_NAME = "党课 dangke"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAILAPI_LIMIT_MAX = 100
WAGTAILAPI_BASE_URL = WAGTAILADMIN_BASE_URL
WAGTAILDOCS_EXTENSIONS = [
    "pdf", "ppt", "pptx", "doc", "docx", "xls", "xlsx", "txt", "zip", "vtt", "srt",
]  # fmt: skip
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Every document downloads as an attachment (with nosniff): none is shown in the
# site's origin, where an HTML or SVG file could run script.
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []
# The platform runs where nothing outside is reachable: no Gravatar avatars.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Nor the dashboard's check for a newer Wagtail (a fetch of releases.wagtail.org).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True

# --- security (effective when DEBUG is off) -------------------------------------

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    # Wagtail's live preview shows the page in a same-origin iframe, so DENY would
    # break editing; SAMEORIGIN still stops other sites from framing us.
    X_FRAME_OPTIONS = "SAMEORIGIN"
    SILENCED_SYSTEM_CHECKS = ["security.W019"]

# /readyz waits at most this many seconds for its checks (database, broker, storage,
# search) and reports a slower one as "timeout".
READYZ_TIMEOUT = env_positive("READYZ_TIMEOUT", 3)

# One JSON object a line (``dangke.logs``), each with the request id that the
# response's X-Request-ID header names; LOG_FORMAT=text for a terminal.
LOG_FORMAT = env_choice("LOG_FORMAT", "json", ("json", "text"))
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_LEVEL = env_str("LOG_LEVEL").upper()
if LOG_LEVEL and LOG_LEVEL not in _LOG_LEVELS:
    raise ImproperlyConfigured(
        f"LOG_LEVEL={LOG_LEVEL!r} is not one of: {', '.join(_LOG_LEVELS)}"
    )
# Everything at INFO (or LOG_LEVEL) goes to a JSON file under var/log/; the console
# shows warnings and the request lines, and every other record only when LOG_LEVEL
# asks for it, so `make run` keeps a quiet terminal while the worker drains its queue.
LOG_DIR = VAR_DIR / "log"
LOG_DIR.mkdir(parents=True, exist_ok=True)
LOG_FILE = LOG_DIR / "dangke.log"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dangke.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "dangke.logs.JsonFormatter"},
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "dangke.logs.ConsoleHandler",
            # below this, only the request lines reach the terminal
            "shown_from": LOG_LEVEL or "WARNING",
            "always": ["django.server"],
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        },
        # Web and worker processes append to one file (O_APPEND: whole lines);
        # WatchedFileHandler reopens it after logrotate moves it.
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_FILE),
            "encoding": "utf-8",
            "delay": True,
            "filters": ["request_id"],
            "formatter": "json",
        },
    },
    "root": {"handlers": ["console", "file"], "level": LOG_LEVEL or "WARNING"},
    "loggers": {
        # Django's own handlers write plain text; every line goes through ours.
        **{
            name: {
                "handlers": ["console", "file"],
                "level": LOG_LEVEL or "INFO",
                "propagate": False,
            }
            for name in ("django", "django.server")
        },
        **{name: {"level": LOG_LEVEL or "INFO"} for name in (*PROJECT_APPS, "celery")},
    },
}
# The worker logs through LOGGING too (JSON lines), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
