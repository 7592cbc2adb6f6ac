"""`manage.py ensure_admin`: make sure the superuser `admin` exists, and print how to log in."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

USERNAME = "admin"
DEV_PASSWORD = "academy-admin"  # for a developer's machine only; production sets ADMIN_PASSWORD
LOGIN_URL = "http://127.0.0.1:8000/admin/"  # unless WAGTAILADMIN_BASE_URL says otherwise


class Command(BaseCommand):
    help = (
        "若不存在则创建超级管理员 admin（密码取环境变量 ADMIN_PASSWORD，开发环境默认 "
        f"{DEV_PASSWORD}），并打印登录地址、用户名和密码。可重复运行。"
    )

    def handle(self, *args, verbosity, **options):
        password = os.environ.get("ADMIN_PASSWORD", "")
        from_env = bool(password)
        if not password:
            if settings.SETTINGS_MODULE.endswith(".production"):
                raise CommandError("生产环境请通过环境变量 ADMIN_PASSWORD 设置管理员密码。")
            password = DEV_PASSWORD
        User = get_user_model()
        with transaction.atomic():
            user = User.objects.filter(**{User.USERNAME_FIELD: USERNAME}).first()
            if user is None:
                user = User.objects.create_superuser(
                    **{User.USERNAME_FIELD: USERNAME}, email="admin@example.org", password=password
                )
                created = True
            else:
                created = False
                fields = {"is_staff": True, "is_superuser": True, "is_active": True}
                changed = [name for name, value in fields.items() if getattr(user, name) != value]
                for name in changed:
                    setattr(user, name, True)
                if changed:
                    user.save(update_fields=changed)
        if not verbosity:
            return
        if created:
            self.stdout.write(self.style.SUCCESS(f"已创建超级管理员 {USERNAME}。"))
        else:
            self.stdout.write(f"超级管理员 {USERNAME} 已存在，未修改其密码。")
        if not user.check_password(password):
            shown = (
                "（与 ADMIN_PASSWORD 不同，保留原密码）"
                if from_env
                else "（已被修改，不是默认密码）"
            )
        elif from_env:
            shown = "（环境变量 ADMIN_PASSWORD 的值）"  # never echo a real password into logs
        else:
            shown = password
        base_url = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or LOGIN_URL.removesuffix(
            "/admin/"
        )
        self.stdout.write(f"管理后台：{base_url.rstrip('/')}/admin/")
        self.stdout.write(f"用户名：  {USERNAME}")
        self.stdout.write(f"密码：    {shown}")
