"""The training bases' spreadsheet kind: one row per base page, by name and district."""

from django.utils.translation import gettext_lazy as _

from core.imports.kinds import ImportKind
from core.imports.pages import PageResource, index_listing, page_permission
from core.imports.resources import ChoiceWidget, DecimalWidget, ReferenceWidget, column
from core.models import District

from .models import TrainingBaseCategory, TrainingBaseIndexPage, TrainingBasePage


class TrainingBaseResource(PageResource):
    """实训基地: a row finds the base by its name and district."""

    title = column("title", "名称")
    district = column("district", "区市", ReferenceWidget(District))
    category = column("category", "类别", ChoiceWidget(TrainingBaseCategory))
    address = column("address", "地址")
    summary = column("summary", "简介")
    capacity = column("capacity", "容纳人数", DecimalWidget())
    opening_hours = column("opening_hours", "开放时间")
    contact_phone = column("contact_phone", "联系电话")
    latitude = column("latitude", "纬度", DecimalWidget())
    longitude = column("longitude", "经度", DecimalWidget())

    index_model = TrainingBaseIndexPage
    required = ("category", "address")
    filename = "实训基地"

    class Meta(PageResource.Meta):
        model = TrainingBasePage
        import_id_fields = ("title", "district")
        fields = (
            "title",
            "district",
            "category",
            "address",
            "summary",
            "capacity",
            "opening_hours",
            "contact_phone",
            "latitude",
            "longitude",
        )

    def example_row(self):
        return {
            "title": "某某红色教育基地",
            "district": "芝罘区",
            "category": str(TrainingBaseCategory.choices[0][1]),
            "address": "烟台市芝罘区某某路1号",
            "capacity": "100",
        }

    def get_instance(self, instance_loader, row):
        title = self.key_value("title", row)
        district = self.key_value("district", row)
        page = TrainingBasePage.objects.filter(title=title, district=district).first()
        return page.get_latest_revision_as_object() if page else None


def base_kind() -> ImportKind:
    return ImportKind(
        slug="bases",
        label=_("Training bases"),
        resource_class=TrainingBaseResource,
        permission=page_permission(TrainingBaseIndexPage),
        listing=index_listing(TrainingBaseIndexPage),
    )
