"""Seeding the lecturers app: the 百人讲师团 (a hundred lecturers a unit of --scale)."""

from django.db import transaction

from core.models import District, Topic
from lecturers.models import LecturerCategory, LecturerIndexPage, LecturerPage

from . import content
from .base import PinyinSlugs, Pools, child_slugs
from .core import CoreSeeder

LECTURERS = 100  # per unit of --scale


class LecturerSeeder(CoreSeeder):
    """Lecturers of every category, each with a unique name, a unit and a biography."""

    def lecturer_position(self, rng, category: str, district: District) -> tuple[str, str]:
        """(job title, unit) for a lecturer of the category."""
        d = district.name
        street = rng.choice(content.core.streets[district.slug])
        C = LecturerCategory
        if category == C.EXPERT:
            return rng.choice(content.lecturers.expert_titles), rng.choice(
                content.lecturers.universities
            ) + rng.choice(content.lecturers.expert_depts)
        if category == C.CADRE:
            if rng.random() < 0.6:
                department, jobs = rng.choice(content.lecturers.cadre_jobs)
                unit = (
                    self.party_department(district, department)
                    if department.startswith("委")
                    else d + department
                )
                return rng.choice(jobs), unit
            committee = self.street_committee(street)
            job = rng.choice(content.lecturers.street_cadre_jobs).replace("党工委", committee)
            return job, f"{d}{street}{committee}"
        if category == C.ENTREPRENEUR:
            suffix = rng.choice(["集团有限公司", "有限公司", "股份有限公司"])
            return rng.choice(
                content.lecturers.entrepreneur_jobs
            ), f"烟台{rng.choice(content.core.brands)}{rng.choice(content.core.industries)}{suffix}"
        if category == C.COMMUNITY_SECRETARY:
            if rng.random() < 0.15:
                return (
                    content.lecturers.village_secretary_job,
                    f"{d}{street}{rng.choice(content.core.villages)}村",
                )
            return rng.choice(
                content.lecturers.secretary_jobs
            ), f"{d}{street}{rng.choice(content.core.communities)}社区"
        if category == C.SOCIAL_WORKER:
            return rng.choice(
                content.lecturers.social_worker_jobs
            ), f"{d}{rng.choice(content.core.brands)}{rng.choice(content.core.social_org_kinds)}"
        job = rng.choice(content.lecturers.model_worker_jobs)
        return job, f"{d}{street}{rng.choice(content.core.communities)}社区"

    def biography(self, rng, name, category, job, unit, topics) -> str:
        t1, t2 = topics[0].name, topics[-1].name
        opening = content.lecturers.bio_openings[category].format(t1=t1, t2=t2)
        first, second = rng.sample(content.lecturers.bio_middles, 2)
        course = rng.choice(content.lecturers.bio_courses).format(t1=t1, t2=t2)
        teaching = rng.choice(content.lecturers.bio_teaching).format(c=course)
        honour = rng.choice(content.lecturers.bio_honours)
        return (
            f"<p>{name}，{unit}{job}。{opening}。{first}；{second}。</p><p>{teaching}{honour}</p>"
        )

    def lecturers(self, index: LecturerIndexPage, topics: list[Topic], pools: Pools) -> None:
        total = LECTURERS * self.scale
        rng = self.rng("lecturers")
        existing = child_slugs(index)
        seen: set[str] = set()
        slugs = PinyinSlugs()
        pages = []
        with transaction.atomic(), self.bar(total, "百人讲师团", "位") as bar:
            for i in range(total):
                name = self.unique(seen, (self.person_name(rng) for _ in range(200)))
                slug = slugs(name)
                category = content.lecturers.trainer_category_order[
                    i % len(content.lecturers.trainer_category_order)
                ]
                district = rng.choice(self.districts)
                job, unit = self.lecturer_position(rng, category, district)
                chosen = rng.sample(topics, rng.randint(2, 3))
                biography = self.biography(rng, name, category, job, unit, chosen)
                photo = rng.choice(pools.portraits)
                published = self.published_at(rng)
                bar.update()
                if slug in existing:
                    continue
                page = LecturerPage(
                    title=name,
                    slug=slug,
                    category=category,
                    job_title=job,
                    unit=unit,
                    biography=biography,
                    photo=photo,
                    search_description=f"{unit}{job}",
                    first_published_at=published,
                    topics=chosen,
                )
                pages.append(self.add_page(index, page))
        self.created["lecturers"] += len(pages)
