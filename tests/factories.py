"""factory_boy factories for the academy's models and pages.

Page factories add the page under its index (looked up from the site tree the `site_tree`
fixture builds) unless `parent=` is given, and create it live. ParentalManyToMany fields
(`topics`, `lecturers`) and child relations (`gallery_images`, `materials`) can be passed as
lists: modelcluster commits them when the page is saved.
"""

import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file

from academy.models import HomePage
from bases.models import (
    TrainingBaseCategory,
    TrainingBaseGalleryImage,
    TrainingBaseIndexPage,
    TrainingBasePage,
)
from core.models import (
    District,
    NewsIndexPage,
    NewsPage,
    Organisation,
    StandardPage,
    Topic,
    User,
)
from core.validators import credit_code_check_char
from courses.models import (
    CourseFormat,
    CourseIndexPage,
    CourseLecturer,
    CourseMaterial,
    CoursePage,
    CourseTopic,
)
from lecturers.models import LecturerCategory, LecturerIndexPage, LecturerPage


def valid_credit_code(serial: int) -> str:
    """A GB 32100 code for a registered enterprise (91) in Zhifu, Yantai (370602)."""
    first17 = f"91370602{serial:09d}"
    return first17 + credit_code_check_char(first17)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class ImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_image_model()

    title = factory.Sequence(lambda n: f"图片 {n}")
    file = factory.LazyFunction(lambda: get_test_image_file(size=(64, 48)))


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_document_model()

    title = factory.Sequence(lambda n: f"教材 {n}")
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4\n", name="material.pdf"))


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    name = factory.Sequence(lambda n: f"专题 {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"芝罘区第{n}社区党委")
    kind = Organisation.Kind.COMMUNITY
    credit_code = factory.Sequence(valid_credit_code)
    district = factory.LazyFunction(lambda: District.objects.get(slug="zhifu"))


class PageFactory(factory.django.DjangoModelFactory):
    """Adds the page as the last child of `parent`, live and published now."""

    class Meta:
        abstract = True

    live = True
    first_published_at = factory.LazyAttribute(lambda page: timezone.now() if page.live else None)
    last_published_at = factory.LazyAttribute(lambda page: page.first_published_at)

    @classmethod
    def _create(cls, model_class, *args, parent, **kwargs):
        page = model_class(*args, **kwargs)
        parent.add_child(instance=page)
        return page


class StandardPageFactory(PageFactory):
    class Meta:
        model = StandardPage

    parent = factory.LazyFunction(lambda: HomePage.objects.get())
    title = factory.Sequence(lambda n: f"关于学院 {n}")
    slug = factory.Sequence(lambda n: f"about-{n}")
    introduction = "烟台城市党建学院简介。"


class LecturerPageFactory(PageFactory):
    class Meta:
        model = LecturerPage

    parent = factory.LazyFunction(lambda: LecturerIndexPage.objects.get())
    title = factory.Sequence(lambda n: f"讲师{n}")
    slug = factory.Sequence(lambda n: f"lecturer-{n}")
    category = LecturerCategory.EXPERT
    job_title = "教授"
    unit = "中共烟台市委党校"
    biography = "<p>长期从事党的建设研究。</p>"
    photo = factory.SubFactory(ImageFactory)


class TrainingBasePageFactory(PageFactory):
    class Meta:
        model = TrainingBasePage

    parent = factory.LazyFunction(lambda: TrainingBaseIndexPage.objects.get())
    title = factory.Sequence(lambda n: f"实训点{n}")
    slug = factory.Sequence(lambda n: f"base-{n}")
    district = factory.LazyFunction(lambda: District.objects.get(slug="zhifu"))
    category = TrainingBaseCategory.COMMUNITY
    address = "烟台市芝罘区南大街1号"
    summary = "社区党群服务中心。"
    photo = factory.SubFactory(ImageFactory)


class CoursePageFactory(PageFactory):
    class Meta:
        model = CoursePage

    parent = factory.LazyFunction(lambda: CourseIndexPage.objects.get())
    title = factory.Sequence(lambda n: f"课程{n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    format = CourseFormat.LECTURE
    summary = "课程简介。"
    image = factory.SubFactory(ImageFactory)

    @classmethod
    def _create(cls, model_class, *args, topics=(), lecturers=(), **kwargs):
        """`topics=[...]` and `lecturers=[...]` become the page's links, as the editor's
        choosers make them."""
        kwargs["topic_links"] = [
            CourseTopic(topic=topic, sort_order=order) for order, topic in enumerate(topics)
        ]
        kwargs["lecturer_links"] = [
            CourseLecturer(lecturer=lecturer, sort_order=order)
            for order, lecturer in enumerate(lecturers)
        ]
        return super()._create(model_class, *args, **kwargs)


class NewsPageFactory(PageFactory):
    class Meta:
        model = NewsPage

    parent = factory.LazyFunction(lambda: NewsIndexPage.objects.get())
    title = factory.Sequence(lambda n: f"学院动态{n}")
    slug = factory.Sequence(lambda n: f"news-{n}")
    kind = NewsPage.Kind.NEWS
    date = factory.Sequence(lambda n: datetime.date(2025, 1, 1) + datetime.timedelta(days=n))
    summary = "学院举办活动。"
    image = factory.SubFactory(ImageFactory)


def gallery(count: int) -> list[TrainingBaseGalleryImage]:
    """Unsaved gallery rows for `TrainingBasePageFactory(gallery_images=...)`."""
    return [
        TrainingBaseGalleryImage(image=ImageFactory(), caption=f"现场照片{i}", sort_order=i)
        for i in range(count)
    ]


def materials(count: int) -> list[CourseMaterial]:
    """Unsaved material rows for `CoursePageFactory(materials=...)`."""
    return [
        CourseMaterial(document=DocumentFactory(), title=f"讲义{i}", sort_order=i)
        for i in range(count)
    ]


def rich_course(**kwargs) -> CoursePage:
    """A course as the catalogue shows it: image, two lecturers with photos, topics, a base."""
    kwargs.setdefault("lecturers", [LecturerPageFactory(), LecturerPageFactory()])
    kwargs.setdefault("topics", [TopicFactory(), TopicFactory()])
    kwargs.setdefault("base", TrainingBasePageFactory(gallery_images=gallery(2)))
    kwargs.setdefault("materials", materials(1))
    return CoursePageFactory(**kwargs)
