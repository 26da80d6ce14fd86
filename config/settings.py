"""Huikuan settings: one module, every deployment-specific value read from the environment.

The defaults let the app start on a bare machine (SQLite, no Redis, console e-mail); production
sets DATABASE_URL, REDIS_URL, EMAIL_URL, SECRET_KEY, DEBUG=false and ALLOWED_HOSTS.
"""

from decimal import Decimal
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# The development key is only accepted while DEBUG is on; production must provide its own.
SECRET_KEY = env("SECRET_KEY", default="" if not DEBUG else "dev-only-insecure-key-change-me")
if not SECRET_KEY:
    raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Form widget templates, for core.forms.BootstrapFormRenderer (TemplatesSetting).
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_celery_beat",
    "core",
    "accounts",
    "customers",
    "receivables",
    "arcollections",
    "reconciliation",
    "import_export",
    "dataimport",
    "credit",
    "alerts",
    "reports",
    "statements",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

FORM_RENDERER = "core.forms.BootstrapFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.capabilities",
                "receivables.context_processors.pending_approvals",
                "alerts.context_processors.open_alerts",
                "arcollections.context_processors.collections",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'huikuan.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; the worker, the scheduler and the web server share the file,
    # so wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (signed contracts) have no public URL: pages serve them after a scope check.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Money -------------------------------------------------------------------------------------
BASE_CURRENCY = env("BASE_CURRENCY", default="CNY")

# --- E-mail ------------------------------------------------------------------------------------
# The letterhead until a company profile is saved in the admin (core.selectors.company_profile).
COMPANY_PROFILE_DEFAULTS = {
    "name": env("COMPANY_NAME", default="回款示范有限公司"),
    "name_en": env("COMPANY_NAME_EN", default="Huikuan Demo Co., Ltd."),
    "address": env("COMPANY_ADDRESS", default="上海市浦东新区世纪大道100号"),
    "address_en": env("COMPANY_ADDRESS_EN", default="100 Century Avenue, Pudong, Shanghai"),
    "phone": env("COMPANY_PHONE", default="021-5888 0000"),
    "email": env("COMPANY_EMAIL", default="ar@huikuan.example"),
    "uscc": env("COMPANY_USCC", default=""),
    "bank_name": env("COMPANY_BANK_NAME", default="招商银行上海分行营业部"),
    "bank_account_name": env("COMPANY_BANK_ACCOUNT_NAME", default="回款示范有限公司"),
    "bank_account_number": env("COMPANY_BANK_ACCOUNT_NUMBER", default="1219 0000 0000 0000"),
    "swift_code": env("COMPANY_SWIFT_CODE", default="CMBCCNBS"),
}

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="huikuan@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Statements of account -------------------------------------------------------------------
# The address customers reach the app at: confirmation links in e-mails and PDFs start with it.
SITE_URL = env("SITE_URL", default="http://localhost:8000")
# How long a statement's confirmation link stays valid, and the reply deadline printed on it.
STATEMENT_LINK_MAX_AGE_DAYS = env.int("STATEMENT_LINK_MAX_AGE_DAYS", default=60)
STATEMENT_REPLY_DAYS = env.int("STATEMENT_REPLY_DAYS", default=15)

# --- Collections -------------------------------------------------------------------------------
# When the daily dunning run starts (CELERY_TIMEZONE); rest days roll to the next working day.
DUNNING_RUN_HOUR = env.int("DUNNING_RUN_HOUR", default=8)
DUNNING_RUN_MINUTE = env.int("DUNNING_RUN_MINUTE", default=0)
# Late interest per day where the payment terms state no rate (万分之五, common in Chinese supply
# contracts); see receivables/interest.py.
LATE_INTEREST_DEFAULT_DAILY_RATE = Decimal(
    env("LATE_INTEREST_DEFAULT_DAILY_RATE", default="0.0005")
)

# --- Bank reconciliation -----------------------------------------------------------------------
# A credit is applied without a person only when the engine's confidence reaches this (0-100)
# and no other customer or invoice set scores as high; below it the match is a suggestion.
RECONCILIATION_AUTO_APPLY_CONFIDENCE = env.int("RECONCILIATION_AUTO_APPLY_CONFIDENCE", default=90)
# "Accept all" in the review queue takes suggestions at or above this confidence.
RECONCILIATION_BULK_ACCEPT_CONFIDENCE = env.int("RECONCILIATION_BULK_ACCEPT_CONFIDENCE", default=75)
# A credit short of the invoices by at most this much (in the line's currency) is taken as
# paid in full less bank charges (手续费), booked as a bank charge.
RECONCILIATION_FEE_TOLERANCE = Decimal(env("RECONCILIATION_FEE_TOLERANCE", default="50.00"))
# Largest bank statement file accepted for import.
RECONCILIATION_MAX_FILE_BYTES = env.int("RECONCILIATION_MAX_FILE_BYTES", default=20 * 1024 * 1024)

# --- Data import ---------------------------------------------------------------------------------
# Files up to this many rows are checked and imported during the request, larger ones by the
# worker with a progress bar; either way a file is imported whole or not at all.
DATA_IMPORT_SYNC_ROWS = env.int("DATA_IMPORT_SYNC_ROWS", default=2000)
# Rows read and processed at a time (bounds memory whatever the file's size).
DATA_IMPORT_CHUNK_ROWS = env.int("DATA_IMPORT_CHUNK_ROWS", default=1000)
DATA_IMPORT_MAX_BYTES = env.int("DATA_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)

# --- Celery ------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
else:
    # No Redis: kombu's filesystem transport needs no server, so the worker and the scheduler
    # still run as real processes exchanging messages through a folder.
    _broker_dir = Path(env("CELERY_FILESYSTEM_BROKER_DIR", default=str(VAR_DIR / "celery-broker")))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# PDF rendering grows a worker's memory; recycle worker processes regularly.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=100)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Times are CELERY_TIMEZONE's (Asia/Shanghai). Every job is idempotent (a second run the same day
# writes nothing), so a missed or repeated beat is harmless. Order at night: snapshot of the day's
# start, then ratings, then alerts (which read rating changes).
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "core.tasks.record_worker_heartbeat",
        "schedule": env.float("WORKER_HEARTBEAT_SECONDS", default=60.0),
    },
    "reports-daily-snapshot": {
        "task": "reports.tasks.take_daily_snapshot",
        "schedule": crontab(hour=1, minute=30),
    },
    "credit-rate-all-customers": {
        "task": "credit.tasks.rate_all_customers",
        "schedule": crontab(hour=2, minute=0),
    },
    "alerts-evaluate-nightly": {
        "task": "alerts.tasks.evaluate_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # Picks up the day's payments, invoices and limit changes (the ledger cannot call alerts).
    "alerts-evaluate-hourly": {
        "task": "alerts.tasks.evaluate_all",
        "schedule": crontab(minute=15),
    },
    # After the alerts: statements of the last complete month/quarter, generated and e-mailed
    # once (the run skips statements already sent), so every day after period end is a retry.
    "statements-run-daily": {
        "task": "statements.tasks.run_statements",
        "schedule": crontab(hour=3, minute=0),
    },
    "record-cash-forecast": {
        "task": "reports.tasks.record_cash_forecast",
        "schedule": crontab(hour=6, minute=0, day_of_week="mon"),
    },
    # After the nightly ratings and before the working day: reminders arrive in the morning.
    "dunning-run-daily": {
        "task": "arcollections.tasks.run_dunning",
        "schedule": crontab(hour=DUNNING_RUN_HOUR, minute=DUNNING_RUN_MINUTE),
    },
    # Kept or broken promises to pay, hourly: a payment marks its promise kept within the hour;
    # a broken one (dated the day after its date, whenever checked) resumes the cadence.
    "promises-check-hourly": {
        "task": "arcollections.tasks.check_promises",
        "schedule": crontab(minute=45),
    },
    # Credits that came before their invoice (prepayments) or before a payer was learned find
    # their match once the ledger has caught up; imports are matched at once anyway.
    "bank-lines-rematch-daily": {
        "task": "reconciliation.tasks.match_open_lines",
        "schedule": crontab(hour=6, minute=30),
    },
}

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.permissions.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Huikuan API",
    "DESCRIPTION": "Accounts-receivable management: customers, invoices, payments, allocations.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A customer's confirmation kind and the one its statement was sent with are one choice set.
    # Choice sets named after their field would clash ("kind" of allocations and activities).
    "ENUM_NAME_OVERRIDES": {
        "ConfirmationKindEnum": "customers.models.Customer.ConfirmationKind",
        "ActivityKindEnum": "arcollections.models.Activity.Kind",
    },
}

# --- Security (production) ---------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Django's own console handler would print every message a second time.
    "loggers": {
        "django": {"handlers": [], "propagate": True},
        # WeasyPrint reports each rendering step at INFO: seven lines per PDF.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
