from .base import *  # noqa: F403
from .base import tasks_backend

DEBUG = False
SECRET_KEY = "test-only-secret-key"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"
SMS_BACKEND = "core.sms.MemorySMSBackend"
# Tasks run at once, whatever TASKS_BACKEND says; tests of the worker switch to the database.
TASKS = tasks_backend("immediate")
