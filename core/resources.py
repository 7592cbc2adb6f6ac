"""The foundation's spreadsheet kind: organisations, by unified social credit code."""

from django.utils.translation import gettext_lazy as _

from .imports.kinds import ImportKind
from .imports.resources import AcademyResource, ChoiceWidget, ReferenceWidget, column
from .models import District, Organisation
from .validators import normalize_digits


class OrganisationResource(AcademyResource):
    """单位: one row per organisation; the credit code finds an existing one."""

    credit_code = column("credit_code", "统一社会信用代码")
    name = column("name", "名称")
    kind = column("kind", "类型", ChoiceWidget(Organisation.Kind))
    district = column("district", "区市", ReferenceWidget(District))
    address = column("address", "地址")
    contact_phone = column("contact_phone", "办公电话")

    required = ("name",)
    filename = "单位"

    class Meta(AcademyResource.Meta):
        model = Organisation
        import_id_fields = ("credit_code",)
        fields = ("credit_code", "name", "kind", "district", "address", "contact_phone")

    def example_row(self):
        return {
            "credit_code": "91370600MA3C4XXXXX",
            "name": "烟台市某某有限公司",
            "kind": str(Organisation.Kind.ENTERPRISE.label),
            "district": "芝罘区",
            "address": "烟台市芝罘区某某路1号",
            "contact_phone": "0535-6688123",
        }

    def get_instance(self, instance_loader, row):
        code = self.key_value("credit_code", row) or ""
        code = normalize_digits(code)
        return Organisation.objects.filter(credit_code=code).first() if code else None

    @classmethod
    def export_queryset(cls, params):
        return Organisation.objects.select_related("district").order_by("name", "pk")


def organisation_kind() -> ImportKind:
    return ImportKind(
        slug="organisations",
        label=_("Organisations"),
        resource_class=OrganisationResource,
        permission="core.add_organisation",
        export_permission="core.view_organisation",
    )
