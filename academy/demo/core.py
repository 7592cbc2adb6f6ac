"""Seeding the core app's content: topics, organisations and news, and the unit and person
names the other apps' seeders share."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from core.models import District, NewsIndexPage, NewsPage, Organisation, Topic
from core.validators import credit_code_check_char

from . import content
from .base import PinyinSlugs, Pools, Seeder, child_slugs

ORGANISATIONS = 300  # per unit of --scale
# Areas that are run by a 党工委 rather than a district or city party committee.
WORK_COMMITTEE_AREAS = {"changdao", "kaifaqu", "gaoxinqu", "kunyushan"}


class CoreSeeder(Seeder):
    """Topics, organisations (each name unique, half with a valid credit code) and news."""

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

    def person_name(self, rng) -> str:
        surname = rng.choice(content.core.surnames)
        chars = content.core.given_male if rng.random() < 0.55 else content.core.given_female
        length = 1 if rng.random() < 0.3 else 2
        return surname + "".join(rng.sample(chars, length))

    # -- news --------------------------------------------------------------------------------------

    def news(self, index: NewsIndexPage, topics: list[Topic], pools: Pools) -> None:
        rng = self.rng("news")
        existing = child_slugs(index)
        slugs = PinyinSlugs()
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
                        rng,
                        "image",
                        {
                            "image": image.pk,
                            "caption": content.core.news_image_caption.format(title=title)[:200],
                        },
                    ),
                )
                if kind in ("salon", "brainstorm"):
                    body.append(
                        self.block(
                            rng,
                            "quote",
                            {
                                "text": content.core.news_quote.format(topic=topic),
                                "attribution": content.core.news_quote_attribution,
                            },
                        )
                    )
                moment = timezone.make_aware(datetime.combine(date, time(10, rng.randint(0, 59))))
                slug = slugs(title)
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
