"""Builds the demo site: pages, lecturers, training bases, courses, organisations, news.

Every phase is idempotent: items are identified by a fixed key (a page's slug under its index,
an organisation's name, a topic's slug, an image's or document's title) and only the missing ones
are created, so running the seeder twice creates nothing the second time, and a larger ``scale``
adds to what a smaller one made. The content comes from ``random.Random`` streams seeded per
phase, so it is the same on every machine.
"""

import random
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import Count, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from tqdm import tqdm
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from academy.models import HomePage
from bases.models import (
    TrainingBaseCategory,
    TrainingBaseGalleryImage,
    TrainingBaseIndexPage,
    TrainingBasePage,
)
from bookings.models import (
    Cohort,
    ProgrammeIndexPage,
    ProgrammePage,
    Registration,
    RegistrationGroup,
    Session,
)
from core.cache import bump_generation
from core.models import (
    AcademySettings,
    District,
    NewsIndexPage,
    NewsPage,
    Organisation,
    StandardPage,
    Topic,
)
from core.validators import credit_code_check_char
from courses.models import CourseFormat, CourseIndexPage, CourseMaterial, CoursePage
from lecturers.models import LecturerCategory, LecturerIndexPage, LecturerPage

from . import content, media
from .programmes import ProgrammeSeeder

DEFAULT_SEED = 20200501

# Per unit of --scale.
LECTURERS = 100
BASES = 160
# The seed's 160+ bases today; the benchmark scale of DOMAIN.md plans for 2,000 (200 a unit).
BASES_PER_SCALE_UNIT = 200
COURSES = 70
ORGANISATIONS = 300
FEATURED_COURSES = 8  # in all, whatever the scale

INDEX_MODELS = {
    "courses": CourseIndexPage,
    "programmes": ProgrammeIndexPage,
    "trainers": LecturerIndexPage,
    "bases": TrainingBaseIndexPage,
    "news": NewsIndexPage,
}
PAGE_MODELS = [
    HomePage,
    StandardPage,
    CourseIndexPage,
    ProgrammeIndexPage,
    LecturerIndexPage,
    TrainingBaseIndexPage,
    NewsIndexPage,
    LecturerPage,
    TrainingBasePage,
    CoursePage,
    ProgrammePage,
    NewsPage,
]
# Areas that are run by a 党工委 rather than a district or city party committee.
WORK_COMMITTEE_AREAS = {"changdao", "kaifaqu", "gaoxinqu", "kunyushan"}


@dataclass
class Pools:
    scenes: list
    portraits: list
    documents: list


class DemoSeeder:
    def __init__(self, *, scale=1, seed=DEFAULT_SEED, stdout=None, progress=True):
        if scale < 1:
            raise ValueError("scale must be at least 1")
        self.scale = scale
        self.seed = seed
        self.stdout = stdout or sys.stdout
        self.progress = progress
        self.created = Counter()
        self.to_index: dict[type, list] = {}

    # -- helpers -----------------------------------------------------------------------------------

    def rng(self, phase: str) -> random.Random:
        return random.Random(f"{self.seed}:{phase}")

    def bar(self, total: int, desc: str, unit: str):
        return tqdm(
            total=total,
            desc=desc,
            unit=unit,
            disable=not self.progress,
            leave=True,
            dynamic_ncols=True,
            file=sys.stderr,
        )

    @staticmethod
    def uuid(rng: random.Random) -> str:
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))

    def block(self, rng, block_type: str, value) -> dict:
        return {"type": block_type, "value": value, "id": self.uuid(rng)}

    @staticmethod
    def unique(seen: set, candidates) -> str:
        """The first candidate not yet seen (candidates is an iterable, possibly endless)."""
        for candidate in candidates:
            if candidate not in seen:
                seen.add(candidate)
                return candidate
        raise RuntimeError("ran out of candidates")

    @staticmethod
    def published_at(rng: random.Random, max_days: int = 240) -> datetime:
        moment = timezone.now() - timedelta(days=rng.uniform(1, max_days))
        return moment.replace(microsecond=0)

    def queue_for_index(self, model, objs) -> None:
        self.to_index.setdefault(model, []).extend(objs)

    @staticmethod
    def add_page(parent: Page, page: Page) -> Page:
        """``page`` as the last, live child of ``parent``; Wagtail's ``add_child`` saves it with
        its child rows and many-to-many links and indexes it for search and references."""
        page.last_published_at = page.last_published_at or page.first_published_at
        return parent.add_child(instance=page)

    # -- the run -----------------------------------------------------------------------------------

    def run(self) -> Counter:
        self.districts = list(District.objects.order_by("sort_order", "pk"))
        if not self.districts:
            raise RuntimeError("No districts: run `manage.py migrate` first (academy 0003).")
        pools = self.media()
        home = self.site(pools)
        topics = self.topics()
        self.organisations()
        indexes = {}
        for slug, model in INDEX_MODELS.items():
            indexes[slug] = model.objects.child_of(home).filter(slug=slug).first()
            if indexes[slug] is None:
                raise RuntimeError(
                    f"首页下的 /{slug}/ 不是 {model.__name__}，无法在其下生成演示数据。"
                )
        self.lecturers(indexes["trainers"], topics, pools)
        self.bases(indexes["bases"], pools)
        self.courses(indexes["courses"], topics, pools)
        self.news(indexes["news"], topics, pools)
        ProgrammeSeeder(self, pools).run(indexes["programmes"])
        self.index()
        bump_generation()  # cached pages must show the new content
        return self.created

    # -- phases ------------------------------------------------------------------------------------

    def media(self) -> Pools:
        """A pool of ~30 pictures and a few teaching materials, reused across pages."""
        Image = get_image_model()
        Document = get_document_model()
        specs = [("scene", i) for i in range(len(media.SCENES))]
        specs += [("portrait", i) for i in range(media.PORTRAITS)]
        existing = {
            image.title: image for image in Image.objects.filter(title__endswith="（示例图片）")
        }
        scenes, portraits = [], []
        with (
            transaction.atomic(),
            self.bar(len(specs) + len(content.courses.materials), "图片与教材", "个") as bar,
        ):
            for kind, i in specs:
                scene = kind == "scene"
                title = (media.scene_title if scene else media.portrait_title)(i)
                image = existing.get(title)
                if image is None:
                    draw = media.scene_image if scene else media.portrait_image
                    picture = draw(i, self.rng(f"media:{kind}:{i}"))
                    name = f"demo-{kind}-{i + 1:02d}.jpg"
                    image = Image(title=title, file=ImageFile(ContentFile(picture), name=name))
                    image._set_image_file_metadata()  # size and hash, as an upload would
                    image.save()
                    self.created["images"] += 1
                (scenes if scene else portraits).append(image)
                bar.update()
            documents = []
            existing_docs = {doc.title: doc for doc in Document.objects.all()}
            for i, (title, ext) in enumerate(content.courses.materials):
                document = existing_docs.get(title)
                if document is None:
                    lines = self.rng(f"media:material:{i}").sample(
                        content.courses.course_outline, 6
                    )
                    file = (media.material_pdf if ext == "pdf" else media.material_text)(
                        title, [f"{n}. {line}" for n, line in enumerate(lines, 1)]
                    )
                    document = Document(title=title)
                    document.file.save(
                        f"demo-material-{i + 1:02d}.{ext}", ContentFile(file), save=False
                    )
                    document._set_document_file_metadata()
                    document.save()
                    self.created["documents"] += 1
                documents.append(document)
                bar.update()
        return Pools(scenes=scenes, portraits=portraits, documents=documents)

    def site(self, pools: Pools) -> HomePage:
        """The home page (the default site's root), settings, the about page and four indexes."""
        text = content.academy
        rng = self.rng("site")
        with transaction.atomic(), self.bar(3 + len(INDEX_MODELS), "站点与栏目", "页") as bar:
            home = HomePage.objects.first()
            root = Page.get_first_root_node()
            if home is None:
                welcome = [
                    page
                    for page in root.get_children().filter(slug="home")
                    if page.specific_class is Page and page.numchild == 0
                ]
                for page in welcome:  # free the slug before the home page takes it
                    Page.objects.filter(pk=page.pk).update(slug=f"wagtail-welcome-{page.pk}")
                home = HomePage(
                    title=content.academy.site_name,
                    slug="home"
                    if not root.get_children().filter(slug="home").exists()
                    else "academy",
                    tagline=content.academy.tagline,
                    intro=content.academy.home_intro,
                    hero_image=pools.scenes[[char for char, _ in media.SCENES].index("学")],
                    seo_title=f"{content.academy.site_name} | {content.academy.english_name}",
                    search_description=content.academy.about_introduction,
                )
                root.add_child(instance=home)
                home.save_revision().publish()
                self.created["pages"] += 1
                self.point_site_at(home)
                for page in welcome:
                    Page.objects.get(pk=page.pk).delete()
            else:
                self.point_site_at(home)
            bar.update()

            site = Site.objects.get(root_page=home, is_default_site=True)
            settings = AcademySettings.for_site(site)
            changed = [
                name
                for name, value in content.academy.settings.items()
                if not getattr(settings, name)
            ]
            for name in changed:
                setattr(settings, name, content.academy.settings[name])
            if changed:
                settings.full_clean()
                settings.save()
            bar.update()

            if not home.get_children().filter(slug="about").exists():
                body = []
                for heading, paragraphs in content.academy.about_sections:
                    body.append(self.block(rng, "heading", {"text": heading, "size": "h2"}))
                    body.extend(self.block(rng, "paragraph", f"<p>{p}</p>") for p in paragraphs)
                body.append(
                    self.block(
                        rng, "points", {"title": "四个定位", "points": content.academy.about_points}
                    )
                )
                body.append(
                    self.block(
                        rng,
                        "quote",
                        {"text": content.academy.about_quote, "attribution": "烟台市委"},
                    )
                )
                body.append(
                    self.block(
                        rng,
                        "image",
                        {"image": pools.scenes[0].pk, "caption": "党建引领城市基层治理"},
                    )
                )
                about = StandardPage(
                    title=content.academy.about_title,
                    slug="about",
                    introduction=content.academy.about_introduction,
                    body=body,
                    show_in_menus=True,
                    seo_title=f"{text.about_title} | About the {text.english_name}",
                )
                home.add_child(instance=about)
                about.save_revision().publish()
                self.created["pages"] += 1
            bar.update()

            for slug, model in INDEX_MODELS.items():
                if not home.get_children().filter(slug=slug).exists():
                    title, introduction = content.academy.indexes[slug]
                    page = model(
                        title=title, slug=slug, introduction=introduction, show_in_menus=True
                    )
                    home.add_child(instance=page)
                    page.save_revision().publish()
                    self.created["pages"] += 1
                bar.update()
        return HomePage.objects.get(pk=home.pk)

    @staticmethod
    def point_site_at(home: HomePage) -> None:
        site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
        if site is None:
            site = Site(hostname="localhost", port=80)
        site.root_page = home
        site.is_default_site = True
        site.site_name = site.site_name or content.academy.site_name
        site.save()

    def topics(self) -> list[Topic]:
        with transaction.atomic(), self.bar(len(content.core.topics), "专题", "个") as bar:
            topics = []
            for name, slug in content.core.topics:
                topic = (
                    Topic.objects.filter(slug=slug).first()
                    or Topic.objects.filter(name=name).first()
                )
                if topic is None:
                    topic = Topic.objects.create(name=name, slug=slug)
                    self.created["topics"] += 1
                topics.append(topic)
                bar.update()
        return topics

    # -- organisations -----------------------------------------------------------------------------

    def organisation_name(self, rng, kind: str, district: District, street: str) -> str:
        d = district.name
        K = Organisation.Kind
        if kind == K.PARTY_GOVERNMENT:
            return rng.choice(
                [
                    self.party_department(district, rng.choice(content.core.party_departments)),
                    f"{d}{rng.choice(content.core.government_bureaus)}",
                    f"{d}{street}{self.street_committee(street)}",
                    f"{d}{street}办事处",
                ]
            )
        if kind == K.PUBLIC_INSTITUTION:
            return rng.choice(
                [
                    f"{d}{rng.choice(content.core.institutions)}",
                    f"{d}{street}{rng.choice(content.core.street_institutions)}",
                ]
            )
        if kind == K.ENTERPRISE:
            suffix = rng.choice(["有限公司", "有限公司", "集团有限公司", "股份有限公司"])
            brand, industry = rng.choice(content.core.brands), rng.choice(content.core.industries)
            return f"烟台{brand}{industry}{suffix}"
        if kind == K.SOCIAL_ORGANISATION:
            return rng.choice(
                [
                    f"{d}{rng.choice(content.core.brands)}{rng.choice(content.core.social_org_kinds)}",
                    f"烟台市{rng.choice(content.core.brands)}{rng.choice(content.core.social_org_kinds)}",
                    f"{d}{street}社区社会组织联合会",
                ]
            )
        if kind == K.COMMUNITY:
            return f"{d}{street}{rng.choice(content.core.communities)}社区居民委员会"
        return rng.choice(
            [
                f"{d}{street}{rng.choice(content.core.communities)}小区业主委员会",
                f"{d}{rng.choice(content.core.brands)}商会",
                f"{d}物业服务企业党建联盟",
                f"{d}个体劳动者协会",
            ]
        )

    def organisation_names(self, rng, kind, district, street):
        for _ in range(40):
            yield self.organisation_name(rng, kind, district, street)
        name = self.organisation_name(rng, kind, district, street)
        for n in range(2, 10_000):
            yield f"{name}（{n}）"

    @staticmethod
    def party_department(district: District, department: str) -> str:
        """芝罘区委组织部, or 烟台经济技术开发区党工委组织部 in the special areas."""
        if district.slug in WORK_COMMITTEE_AREAS and department.startswith("委"):
            return f"{district.name}党工委{department.removeprefix('委')}"
        return f"{district.name}{department}"

    @staticmethod
    def street_committee(street: str) -> str:
        return "党工委" if street.endswith(("街道", "片区")) else "党委"

    @staticmethod
    def credit_code(rng, kind: str, district: District) -> str:
        """A valid 18-character unified social credit code (GB 32100)."""
        K = Organisation.Kind
        prefix = {
            K.PARTY_GOVERNMENT: "11",
            K.PUBLIC_INSTITUTION: "12",
            K.ENTERPRISE: "91",
            K.SOCIAL_ORGANISATION: rng.choice(["51", "52", "52", "53"]),
            K.COMMUNITY: "Y1",
            K.OTHER: rng.choice(["51", "Y1"]),
        }[kind]
        if kind == K.ENTERPRISE and rng.random() < 0.7:
            letters = "0123456789ABCDEFGHJKLMNPQRTUWXY"
            body = "MA" + "".join(rng.choice(letters) for _ in range(6))
        else:
            body = "".join(rng.choice("0123456789") for _ in range(8))
        # GB 11714 organisation code: 8 characters and a weighted mod-11 check character.
        weights = (3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(char, 36) * w for char, w in zip(body, weights, strict=True))
        check = 11 - total % 11
        org_code = body + {10: "X", 11: "0"}.get(check, str(check))
        first17 = prefix + content.core.division_codes[district.slug] + org_code
        return first17 + credit_code_check_char(first17)

    def organisations(self) -> None:
        total = ORGANISATIONS * self.scale
        rng = self.rng("organisations")
        kinds = [
            Organisation.Kind.SOCIAL_ORGANISATION,
            Organisation.Kind.ENTERPRISE,
            Organisation.Kind.COMMUNITY,
            Organisation.Kind.SOCIAL_ORGANISATION,
            Organisation.Kind.PUBLIC_INSTITUTION,
            Organisation.Kind.PARTY_GOVERNMENT,
            Organisation.Kind.SOCIAL_ORGANISATION,
            Organisation.Kind.OTHER,
        ]
        existing_names = set(Organisation.objects.values_list("name", flat=True))
        taken_codes = set(
            Organisation.objects.exclude(credit_code="").values_list("credit_code", flat=True)
        )
        spare = self.rng("organisations:spare-codes")  # only for clashes with existing codes
        seen: set[str] = set()
        seen_codes: set[str] = set()
        new = []
        with transaction.atomic(), self.bar(total, "单位与社会组织", "家") as bar:
            for i in range(total):
                kind = kinds[i % len(kinds)]
                district = self.districts[(i * 7) % len(self.districts)]
                street = rng.choice(content.core.streets[district.slug])
                name = self.unique(seen, self.organisation_names(rng, kind, district, street))
                code = ""
                if i % 2 == 0:  # about half have a (valid, unique) credit code
                    code = self.unique(
                        seen_codes, (self.credit_code(rng, kind, district) for _ in range(50))
                    )
                road = rng.choice(content.core.roads)
                address = f"{district.name}{street}{road}{rng.randint(1, 299)}号"
                phone = f"0535-6{rng.randint(0, 999999):06d}"
                bar.update()
                if name in existing_names:
                    continue
                if code and code in taken_codes:
                    code = self.unique(
                        taken_codes, (self.credit_code(spare, kind, district) for _ in range(50))
                    )
                taken_codes.add(code)
                new.append(
                    Organisation(
                        name=name,
                        kind=kind,
                        credit_code=code,
                        district=district,
                        address=address,
                        contact_phone=phone,
                    )
                )
            bar.set_postfix_str("写入数据库")
            Organisation.objects.bulk_create(new, batch_size=500)
        self.created["organisations"] += len(new)
        self.queue_for_index(Organisation, new)

    # -- lecturers ---------------------------------------------------------------------------------

    def person_name(self, rng) -> str:
        surname = rng.choice(content.core.surnames)
        chars = content.core.given_male if rng.random() < 0.55 else content.core.given_female
        length = 1 if rng.random() < 0.3 else 2
        return surname + "".join(rng.sample(chars, length))

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
        course = rng.choice(
            [f"{t1}的烟台实践", f"以{t1}推动城市基层治理现代化", f"{t2}：问题、路径与案例"]
        )
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
        pages = []
        with transaction.atomic(), self.bar(total, "百人讲师团", "位") as bar:
            for i in range(total):
                slug = f"lecturer-{i + 1:04d}"
                name = self.unique(seen, (self.person_name(rng) for _ in range(200)))
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

    @staticmethod
    def link_m2m(model, field_name: str, links) -> None:
        """Bulk-insert rows of a (parental) many-to-many field's through table."""
        field = model._meta.get_field(field_name)
        through = field.remote_field.through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        rows = [
            through(**{f"{source}_id": obj.pk, f"{target}_id": target_pk})
            for obj, target_pks in links
            for target_pk in dict.fromkeys(target_pks)
        ]
        through.objects.bulk_create(rows, batch_size=500)

    # -- training bases ----------------------------------------------------------------------------

    def base_name(self, rng, category: str, district: District, street: str) -> str:
        d = district.name
        community = rng.choice(content.core.communities)
        brand = rng.choice(content.core.brands)
        C = TrainingBaseCategory
        options = {
            C.COMMUNITY: [
                f"{d}{street}{community}社区党群服务中心",
                f"{d}{street}{community}社区“红色驿站”",
            ],
            C.RED_PROPERTY: [
                f"{d}{street}红色物业服务中心",
                f"{d}{street}{community}小区红色物业服务站",
                f"{d}{street}{brand}物业“红心物业”示范项目",
            ],
            C.PARK: [
                f"{d}{rng.choice(content.core.parks)}产业园党群服务中心",
                f"{d}{street}{rng.choice(content.core.parks)}园区党委",
            ],
            C.BUSINESS_DISTRICT: [
                f"{d}{rng.choice(content.core.shopping)}商圈党建服务站",
                f"{d}{street}{rng.choice(content.core.shopping)}商圈党委",
            ],
            C.BUILDING: [
                f"{d}{rng.choice(content.core.buildings)}楼宇党建工作站",
                f"{d}{street}{rng.choice(content.core.buildings)}楼宇党群服务站",
            ],
            C.SOCIAL_ORGANISATION: [
                f"{d}社会组织党建基地（{brand}{rng.choice(content.core.social_org_kinds)}）",
                f"{d}{street}社会组织孵化基地",
            ],
            C.VILLAGE: [
                f"{d}{street}{rng.choice(content.core.villages)}村党群服务中心",
                f"{d}{street}{rng.choice(content.core.villages)}村乡村振兴实训点",
            ],
            C.ENTERPRISE: [
                f"烟台{brand}{rng.choice(content.core.industries)}有限公司党建展厅",
                f"{d}{brand}{rng.choice(content.core.industries)}集团党员先锋岗",
            ],
            C.INSTITUTION: [
                f"{d}{rng.choice(content.core.institutions)}党建工作站",
                f"{d}{street}{rng.choice(content.core.street_institutions)}党建工作站",
            ],
        }[category]
        return rng.choice(options)

    def base_names(self, rng, category, district):
        """Candidate (title, sub-district) pairs for a base."""
        for _ in range(30):
            street = rng.choice(content.core.streets[district.slug])
            yield self.base_name(rng, category, district, street), street
        name = self.base_name(rng, category, district, street)
        for n in range(2, 10_000):
            yield f"{name}（{n}号点）", street

    @staticmethod
    def coordinate(rng, centre: float, bounds: tuple[float, float]) -> Decimal:
        value = min(max(centre + rng.gauss(0, 0.035), bounds[0] + 0.001), bounds[1] - 0.001)
        return Decimal(f"{value:.6f}")

    def bases(self, index: TrainingBaseIndexPage, pools: Pools) -> None:
        total = BASES if self.scale == 1 else BASES_PER_SCALE_UNIT * self.scale
        rng = self.rng("bases")
        existing = child_slugs(index)
        seen: set[str] = set()
        pages = []
        categories = content.bases.base_category_order
        with transaction.atomic(), self.bar(total, "实训基地", "处") as bar:
            for i in range(total):
                slug = f"base-{i + 1:04d}"
                district = self.districts[i % len(self.districts)]
                category = categories[(i + i // len(self.districts)) % len(categories)]
                title, street = next(
                    (title, street)
                    for title, street in self.base_names(rng, category, district)
                    if title not in seen
                )
                seen.add(title)
                road = rng.choice(content.core.roads)
                address = f"{district.name}{street}{road}{rng.randint(1, 299)}号"
                lat, lng = content.core.district_centres[district.slug]
                latitude = self.coordinate(rng, lat, content.core.lat_range)
                longitude = self.coordinate(rng, lng, content.core.lng_range)
                capacity = rng.randrange(20, 201, 10)
                points = rng.sample(
                    content.bases.teaching_points[category],
                    rng.randint(3, min(5, len(content.bases.teaching_points[category]))),
                )
                teaching_points = [
                    self.block(rng, "points", {"title": "现场教学要点", "points": points})
                ]
                summary = (
                    content.bases.base_summaries[category].format(title=title)
                    + f"基地可同时接待{capacity}人开展现场教学。"
                )
                photo = rng.choice(pools.scenes)
                gallery = []
                if i % 3 == 0:
                    images = rng.sample(pools.scenes, rng.randint(2, 3))
                    gallery = [
                        TrainingBaseGalleryImage(
                            image=image,
                            caption=rng.choice(content.bases.gallery_captions),
                            sort_order=n,
                        )
                        for n, image in enumerate(images)
                    ]
                page = TrainingBasePage(
                    title=title,
                    slug=slug,
                    district=district,
                    category=category,
                    summary=summary,
                    address=address,
                    latitude=latitude,
                    longitude=longitude,
                    capacity=capacity,
                    opening_hours=rng.choice(content.bases.opening_hours),
                    contact_phone=f"0535-6{rng.randint(0, 999999):06d}",
                    photo=photo,
                    teaching_points=teaching_points,
                    search_description=summary[:150],
                    first_published_at=self.published_at(rng),
                    gallery_images=gallery,
                )
                bar.update()
                if slug in existing:
                    continue
                pages.append(self.add_page(index, page))
                self.created["gallery images"] += len(gallery)
        self.created["bases"] += len(pages)

    # -- courses -----------------------------------------------------------------------------------

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
        intro = summary
        if base_title:
            intro += f"课程在{base_title}现场开展，学员实地观摩、现场交流。"
        outline = rng.sample(content.courses.course_outline, rng.randint(3, 5))
        return [
            self.block(rng, "heading", {"text": "课程简介", "size": "h2"}),
            self.block(rng, "paragraph", f"<p>{intro}</p>"),
            self.block(rng, "heading", {"text": "课程大纲", "size": "h2"}),
            self.block(rng, "points", {"title": "", "points": outline}),
            self.block(rng, "heading", {"text": "适用对象", "size": "h2"}),
            self.block(
                rng,
                "paragraph",
                f"<p>{audience}。建议结合{topic.name}相关实训基地的现场教学一并学习。</p>",
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
        onsite_count = 0
        pages = []
        with transaction.atomic(), self.bar(total, "名课", "门") as bar:
            for i in range(total):
                slug = f"course-{i + 1:04d}"
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
                hours = Decimal(rng.choice(["1.5", "2.0", "2.0", "2.5", "3.0", "3.5", "4.0"]))
                summary = (
                    f"本课程围绕“{topic.name}”，结合烟台城市基层党建“赋能聚力”工程的实践，"
                    f"讲清{rng.choice(content.courses.course_outline)}等内容，帮助学员学有所获、学以致用。"
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
                    topics=list(dict.fromkeys(chosen_topics)),
                    lecturers=chosen_lecturers,
                    materials=[
                        CourseMaterial(document=doc, title=doc.title, sort_order=n)
                        for n, doc in enumerate(docs)
                    ],
                )
                bar.update()
                if slug in existing:
                    continue
                pages.append(self.add_page(index, page))
                self.created["course materials"] += len(docs)
        self.created["courses"] += len(pages)

    # -- news --------------------------------------------------------------------------------------

    def news(self, index: NewsIndexPage, topics: list[Topic], pools: Pools) -> None:
        rng = self.rng("news")
        existing = child_slugs(index)
        topic_names = {topic.name for topic in topics}
        salons = sum(1 for kind, *_ in content.core.news if kind == "salon")
        today = timezone.localdate()
        pages = []
        with transaction.atomic(), self.bar(len(content.core.news), "新闻动态", "条") as bar:
            for i, (kind, title, topic) in enumerate(content.core.news):
                if kind == "salon":
                    title = title.format(n=salons + 3)  # the newest salon has the highest number
                    salons -= 1
                topic = topic if topic in topic_names else "党建引领基层治理"
                date = today - timedelta(days=i * 9 + rng.randint(0, 6))
                paragraphs = [p.format(topic=topic) for p in content.core.news_paragraphs]
                rng.shuffle(paragraphs)
                paragraphs = paragraphs[: rng.randint(2, 4)]
                image = rng.choice(pools.scenes)
                body = [self.block(rng, "paragraph", f"<p>{p}</p>") for p in paragraphs]
                body.insert(
                    1,
                    self.block(
                        rng, "image", {"image": image.pk, "caption": f"{title}（资料图片）"[:200]}
                    ),
                )
                if kind in ("salon", "brainstorm"):
                    body.append(
                        self.block(
                            rng,
                            "quote",
                            {
                                "text": f"把{topic}的难题摆到桌面上，大家一起想办法、出点子。",
                                "attribution": "一位参加活动的社区党组织书记",
                            },
                        )
                    )
                moment = timezone.make_aware(datetime.combine(date, time(10, rng.randint(0, 59))))
                slug = f"news-{i + 1:02d}"
                bar.update()
                if slug in existing:
                    continue
                page = NewsPage(
                    title=title,
                    slug=slug,
                    kind=kind,
                    date=date,
                    summary=paragraphs[0][:400],
                    image=image,
                    body=body,
                    first_published_at=moment,
                    last_published_at=moment,
                )
                pages.append(self.add_page(index, page))
        self.created["news"] += len(pages)

    # -- search ------------------------------------------------------------------------------------

    def index(self) -> None:
        """Index the organisations (bulk-created, no signals fired) and anything left unindexed."""
        backend = get_search_backend()
        work = [(model, objs) for model, objs in self.to_index.items() if objs]
        total = sum(len(objs) for _, objs in work) + len(PAGE_MODELS) + 1
        with transaction.atomic(), self.bar(total, "搜索索引", "条") as bar:
            for model, objs in work:
                for start in range(0, len(objs), 1000):
                    chunk = objs[start : start + 1000]
                    backend.add_bulk(model, chunk)
                    bar.update(len(chunk))
            # Pages made another way (or left by an interrupted run) are caught up here.
            for model in [*PAGE_MODELS, Organisation]:
                missing = list(unindexed(model))
                if missing:
                    backend.add_bulk(model, missing)
                bar.update()


def child_slugs(parent: Page) -> set[str]:
    return set(parent.get_children().values_list("slug", flat=True))


def unindexed(model):
    """Objects of ``model`` (its own content type only) with no search index entry."""
    content_type = ContentType.objects.get_for_model(model)
    indexed = IndexEntry.objects.filter(content_type=content_type).values("object_id")
    objects = model.objects.all()
    if issubclass(model, Page):
        objects = objects.filter(content_type=content_type)
    return objects.annotate(indexed_id=Cast("pk", TextField())).exclude(indexed_id__in=indexed)


STATUS_LABELS = {
    Registration.Status.CONFIRMED: "已确认",
    Registration.Status.PENDING: "待审核",
    Registration.Status.WAITLISTED: "候补",
    Registration.Status.CANCELLED: "已取消",
    Registration.Status.REJECTED: "未通过",
}


def has_content() -> bool:
    """True when a home page exists and has pages under it (``--if-empty`` then does nothing)."""
    home = HomePage.objects.first()
    return home is not None and home.get_children().exists()


def content_counts() -> list[tuple[str, int]]:
    live_courses = CoursePage.objects.live()
    registrations = Registration.objects.all()
    statuses = dict(
        registrations.order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return [
        ("专题", Topic.objects.count()),
        ("单位与社会组织", Organisation.objects.count()),
        ("  其中有信用代码", Organisation.objects.exclude(credit_code="").count()),
        ("讲师", LecturerPage.objects.live().count()),
        ("实训基地", TrainingBasePage.objects.live().count()),
        ("  基地图集照片", TrainingBaseGalleryImage.objects.count()),
        ("课程", live_courses.count()),
        ("  首页推荐", live_courses.filter(featured=True).count()),
        ("  现场教学", live_courses.filter(format=CourseFormat.ONSITE).count()),
        ("  课程教材", CourseMaterial.objects.count()),
        ("新闻动态", NewsPage.objects.live().count()),
        ("培训班", ProgrammePage.objects.live().count()),
        ("  班次", Cohort.objects.count()),
        ("  课表场次", Session.objects.count()),
        ("    其中已取消", Session.objects.exclude(cancelled_at=None).count()),
        ("报名", registrations.count()),
        *[(f"  {label}", statuses.get(value, 0)) for value, label in STATUS_LABELS.items()],
        ("  团体报名", RegistrationGroup.objects.count()),
        ("全部页面", Page.objects.count()),
        ("图片", get_image_model().objects.count()),
        ("文档", get_document_model().objects.count()),
        ("搜索索引条目", IndexEntry.objects.count()),
    ]
