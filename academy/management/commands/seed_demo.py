"""`manage.py seed_demo [--scale N] [--if-empty]`: realistic Chinese demo content."""

import time
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from academy.demo.seed import DEFAULT_SEED, DemoSeeder, content_counts, has_content


class Command(BaseCommand):
    help = (
        "创建演示内容：首页、栏目、百人讲师团、实训基地、名课、单位与社会组织、新闻动态、"
        "培训班及其班次、课表和报名，签到、评教和来烟学习交流。"
        "培训班及其班次、课表和报名，以及公益创投与志愿服务项目大赛。"
        "可重复运行，不会产生重复数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="讲师、实训基地、课程和单位数量的倍数（默认 1：100 位讲师、160 处基地）。",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="若首页及其子页面已存在，则什么也不做（make run 使用）。",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="随机数种子（默认固定，结果可复现）。"
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条。")

    def handle(self, *args, scale, if_empty, seed, no_progress, verbosity, **options):
        if scale < 1:
            raise CommandError("--scale 必须是正整数。")
        if if_empty and has_content():
            if verbosity:
                self.stdout.write("已有首页及栏目页面，跳过演示数据（--if-empty）。")
            return
        started = time.monotonic()
        if verbosity:
            self.stdout.write(f"正在生成演示数据（倍数 {scale}，种子 {seed}）……")
        seeder = DemoSeeder(
            scale=scale, seed=seed, stdout=self.stdout, progress=verbosity > 0 and not no_progress
        )
        try:
            created = seeder.run()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started
        if not verbosity:
            return
        labels = {
            "images": "图片",
            "documents": "教材文档",
            "pages": "站点页面",
            "topics": "专题",
            "organisations": "单位与社会组织",
            "lecturers": "讲师",
            "bases": "实训基地",
            "gallery images": "基地图集照片",
            "courses": "课程",
            "course materials": "课程教材",
            "news": "新闻",
            "programmes": "培训班",
            "cohorts": "班次",
            "sessions": "课表场次",
            "registrations": "报名",
            "registration groups": "团体报名",
            "attendance": "签到记录",
            "evaluations": "评教",
            "study visits": "来烟学习交流团组",
            "competition projects": "大赛申报项目",
            "competition scores": "大赛评分",
            "competition awards": "获奖项目",
        }
        made = "，".join(f"{labels.get(k, k)} {v}" for k, v in created.items() if v) or "无"
        self.stdout.write(self.style.SUCCESS(f"完成，用时 {elapsed:.1f} 秒。本次新建：{made}。"))
        self.stdout.write("当前数据：")
        for label, count in content_counts():
            self.stdout.write(f"  {pad(label, 18)}{count:>8}")


def pad(text: str, width: int) -> str:
    """Left-align text whose Chinese characters take two columns each."""
    used = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - used)
