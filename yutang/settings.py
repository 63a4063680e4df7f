"""Env-driven settings for every install: SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    return (Path(xdg) if xdg else Path.home() / ".local" / "share") / "yutang"


DATA_DIR = Path(os.environ.get("YUTANG_DATA_DIR") or _default_data_dir()).expanduser()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("YUTANG_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Written once, readable by the owner only: sessions survive restarts and upgrades.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("YUTANG_DEBUG", "") in {"1", "true", "yes"}
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("YUTANG_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("YUTANG_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "yutang.accounts",
    "yutang.customers",
    "yutang.rules",
    "yutang.followups",
    "yutang.catalog",
    "yutang.orders",
    "yutang.touchpoints",
    "yutang.imports",
    "yutang.analytics",
    "yutang.overview",
    "yutang.demo",
    "yutang.ops",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yutang.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yutang.middleware.LoginRequiredExceptApiMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# The steps of yutang.customers.derived.refresh_customers, which every action that changes a
# customer's orders, payments, follow-ups, referrals or merges them runs in its transaction.
# In the layers' order: a step reads only the layers below its own, so it never needs what a
# later step writes (whether a customer bought comes first; the others read it).
CUSTOMER_REFRESH = (
    "yutang.orders.derived.refresh_consumed",
    "yutang.touchpoints.derive.refresh_customer_touchpoints",
    "yutang.analytics.deals.close_won_deals",
    "yutang.analytics.lifecycle.refresh_customer_lifecycles",
    "yutang.analytics.actions.refresh_customer_stats",
)

ROOT_URLCONF = "yutang.urls"
WSGI_APPLICATION = "yutang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

# Widgets render through TEMPLATES, so that yutang/templates/django/forms/ can say an empty
# choice in words ("Choose…") instead of Django's "---------", for every form at once.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

_sqlite_path = DATA_DIR / "yutang.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_sqlite_path}", conn_max_age=600, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN
        # so two writers queue on the busy timeout instead of failing with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too, not the in-memory database: its shared cache locks whole tables, so
    # a test of a background import would fail on locks that a real (WAL) database never takes.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and gzip copies once collected (`yutang serve` collects), plain names before.
    "staticfiles": {"BACKEND": "yutang.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "uploads"
# Uploads at least this large are checked and imported in the background, with a progress bar.
YUTANG_IMPORT_BACKGROUND_BYTES = int(os.environ.get("YUTANG_IMPORT_BACKGROUND_BYTES", 1_000_000))
# The largest file any way in (page, API, command) accepts, and the largest sheet it reads.
YUTANG_IMPORT_MAX_BYTES = int(os.environ.get("YUTANG_IMPORT_MAX_BYTES", 200 * 1024 * 1024))
# Small files stay in memory; larger ones are stored only up to that limit (+1 byte, to tell).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "yutang.imports.uploads.LimitedUploadHandler",
]
YUTANG_IMPORT_MAX_ROWS = int(os.environ.get("YUTANG_IMPORT_MAX_ROWS", 1_000_000))
YUTANG_IMPORT_MAX_COLUMNS = int(os.environ.get("YUTANG_IMPORT_MAX_COLUMNS", 200))
# What collectstatic has not hashed is served straight from the package by whitenoise.
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YUTANG_LOG_LEVEL", "WARNING")},
}

YUTANG_PAGE_SIZE = 20
