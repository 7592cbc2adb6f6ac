"""Builds the demo site: the home page and sections, then each app's content in the order of
the layers (core.py, lecturers.py, bases.py, courses.py, bookings.py, attendance.py), from the
texts in data/.

Every phase is idempotent: items are identified by a fixed key (a page's slug under its index,
an organisation's name, a topic's slug, an image's or document's title) and only the missing ones
are created, so running the seeder twice creates nothing the second time, and a larger ``scale``
adds to what a smaller one made. The content comes from ``random.Random`` streams seeded per
phase, so it is the same on every machine.
"""

from collections import Counter

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models import Count, TextField
from django.db.models.functions import Cast
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from wagtail.search.backends import get_search_backend
from wagtail.search.models import IndexEntry

from academy.models import HomePage
from bases.models import TrainingBaseGalleryImage, TrainingBaseIndexPage, TrainingBasePage
from bookings.models import (
    Cohort,
    ProgrammeIndexPage,
    ProgrammePage,
    Registration,
    RegistrationGroup,
    Session,
)
from competitions.models import (
    Award,
    CompetitionIndexPage,
    CompetitionPage,
    Project,
    ResultPublication,
    Score,
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
from courses.models import CourseFormat, CourseIndexPage, CourseMaterial, CoursePage
from lecturers.models import LecturerIndexPage, LecturerPage

from . import content, media
from .attendance import AttendanceSeeder, visitor_counts
from .base import DEFAULT_SEED, Pools
from .bookings import ProgrammeSeeder
from .certificates import seed_certificates
from .competitions import CompetitionSeeder
from .courses import CourseSeeder

__all__ = ["DEFAULT_SEED", "DemoSeeder", "content_counts", "has_content"]

INDEX_MODELS = {
    "courses": CourseIndexPage,
    "programmes": ProgrammeIndexPage,
    "trainers": LecturerIndexPage,
    "bases": TrainingBaseIndexPage,
    "news": NewsIndexPage,
    "competitions": CompetitionIndexPage,
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
    CompetitionIndexPage,
    CompetitionPage,
]
# Areas that are run by a 党工委 rather than a district or city party committee.


class DemoSeeder(CourseSeeder):
    """The whole academy: each app's seeder in the order of the layers, then the programmes."""

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
        AttendanceSeeder(self).run()
        certificates = seed_certificates()
        self.created["certificates"] += certificates.get("issued", 0)
        CompetitionSeeder(self).run(indexes["competitions"])
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
                        rng,
                        "points",
                        {"title": text.about_points_title, "points": text.about_points},
                    )
                )
                body.append(
                    self.block(
                        rng,
                        "quote",
                        {"text": text.about_quote, "attribution": text.about_quote_attribution},
                    )
                )
                body.append(
                    self.block(
                        rng,
                        "image",
                        {"image": pools.scenes[0].pk, "caption": text.about_image_caption},
                    )
                )
                about = StandardPage(
                    title=content.academy.about_title,
                    slug="about",
                    introduction=content.academy.about_introduction,
                    body=body,
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
        *visitor_counts(),
        ("大赛", CompetitionPage.objects.live().count()),
        ("  申报项目", Project.objects.count()),
        ("  评分", Score.objects.count()),
        ("  获奖项目", Award.objects.count()),
        ("  结果公示", ResultPublication.objects.count()),
        ("全部页面", Page.objects.count()),
        ("图片", get_image_model().objects.count()),
        ("文档", get_document_model().objects.count()),
        ("搜索索引条目", IndexEntry.objects.count()),
    ]
