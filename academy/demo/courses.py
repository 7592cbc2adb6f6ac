"""Seeding the courses app: courses taught by the lecturers, some at the training bases."""

from decimal import Decimal

from django.db import transaction

from bases.models import TrainingBasePage
from core.models import District, Topic
from courses.models import (
    CourseFormat,
    CourseIndexPage,
    CourseLecturer,
    CourseMaterial,
    CoursePage,
    CourseTopic,
)
from lecturers.models import LecturerPage

from . import content
from .base import PinyinSlugs, Pools, child_slugs
from .bases import TrainingBaseSeeder
from .lecturers import LecturerSeeder

COURSES = 70  # per unit of --scale
FEATURED_COURSES = 8  # in all, whatever the scale


class CourseSeeder(LecturerSeeder, TrainingBaseSeeder):
    """Courses of every format, each with a unique title, taught by seeded lecturers; on-site
    courses at seeded bases."""

    def course_title(self, rng, fmt: str, topic: Topic, district: District, seen: set) -> str:
        def fill():
            return rng.choice(content.courses.course_templates[fmt]).format(
                t=topic.name,
                s=rng.choice(content.courses.scenarios),
                p=rng.choice(content.courses.projects),
                q=rng.choice(content.courses.questions),
            )

        def variants():
            for _ in range(8):
                yield fill()
            title = fill()
            if fmt == CourseFormat.LECTURE:
                yield f"{title}——以{district.name}为例"
            else:
                yield f"{title}（{district.name}专场）"
            for n in range(2, 10_000):
                yield f"{title}（第{n}期）"

        return self.unique(seen, variants())

    def course_body(self, rng, fmt, topic, summary, base_title, audience):
        text = content.courses
        about, outline_heading, audience_heading = text.body_headings
        intro = summary
        if base_title:
            intro += text.onsite_sentence.format(base=base_title)
        outline = rng.sample(content.courses.course_outline, rng.randint(3, 5))
        return [
            self.block(rng, "heading", {"text": about, "size": "h2"}),
            self.block(rng, "paragraph", f"<p>{intro}</p>"),
            self.block(rng, "heading", {"text": outline_heading, "size": "h2"}),
            self.block(rng, "points", {"title": "", "points": outline}),
            self.block(rng, "heading", {"text": audience_heading, "size": "h2"}),
            self.block(
                rng,
                "paragraph",
                f"<p>{text.audience_paragraph.format(audience=audience, topic=topic.name)}</p>",
            ),
        ]

    def courses(self, index: CourseIndexPage, topics: list[Topic], pools: Pools) -> None:
        total = COURSES * self.scale
        rng = self.rng("courses")
        existing = child_slugs(index)
        lecturers = list(LecturerPage.objects.live().order_by("path"))
        bases = list(TrainingBasePage.objects.live().order_by("path").values_list("pk", "title"))
        if not lecturers or not bases:
            raise RuntimeError("Lecturers and bases must exist before courses.")
        seen: set[str] = set()
        slugs = PinyinSlugs()
        onsite_count = 0
        with transaction.atomic(), self.bar(total, "名课", "门") as bar:
            for i in range(total):
                fmt = content.courses.course_format_order[
                    i % len(content.courses.course_format_order)
                ]
                topic = topics[(i * 7 + i // len(topics)) % len(topics)]
                district = rng.choice(self.districts)
                base_id, base_title = None, ""
                if fmt == CourseFormat.ONSITE:
                    base_id, base_title = bases[(onsite_count * 37) % len(bases)]
                    onsite_count += 1
                    title = self.unique(
                        seen,
                        [f"现场教学：走进{base_title}"]
                        + [f"现场教学：走进{base_title}（第{n}期）" for n in range(2, 100)],
                    )
                elif fmt == CourseFormat.SITUATIONAL and rng.random() < 0.5:
                    base_id, base_title = rng.choice(bases)
                    title = self.course_title(rng, fmt, topic, district, seen)
                else:
                    title = self.course_title(rng, fmt, topic, district, seen)
                slug = slugs(title)
                hours = Decimal(rng.choice(["1.5", "2.0", "2.0", "2.5", "3.0", "3.5", "4.0"]))
                summary = content.courses.course_summary.format(
                    topic=topic.name, point=rng.choice(content.courses.course_outline)
                )
                audience = rng.choice(content.courses.course_audiences)
                body = self.course_body(rng, fmt, topic, summary, base_title, audience)
                chosen_topics = [topic, *rng.sample(topics, rng.randint(0, 2))]
                chosen_lecturers = rng.sample(lecturers, min(len(lecturers), rng.randint(1, 3)))
                docs = []
                if i % 4 == 1:
                    docs = rng.sample(pools.documents, rng.randint(1, 2))
                page = CoursePage(
                    title=title,
                    slug=slug,
                    format=fmt,
                    study_hours=hours,
                    summary=summary,
                    body=body,
                    base_id=base_id,
                    image=rng.choice(pools.scenes),
                    featured=i % 8 == 3 and i // 8 < FEATURED_COURSES,
                    search_description=summary[:150],
                    first_published_at=self.published_at(rng),
                    topic_links=[
                        CourseTopic(topic=chosen, sort_order=n)
                        for n, chosen in enumerate(dict.fromkeys(chosen_topics))
                    ],
                    lecturer_links=[
                        CourseLecturer(lecturer=chosen, sort_order=n)
                        for n, chosen in enumerate(chosen_lecturers)
                    ],
                    materials=[
                        CourseMaterial(document=doc, title=doc.title, sort_order=n)
                        for n, doc in enumerate(docs)
                    ],
                )
                bar.update()
                if slug in existing:
                    continue
                self.add_page(index, page)
                self.created["courses"] += 1
                self.created["course materials"] += len(docs)
