"""Seeding the bases app: training bases (160 at --scale 1, 200 a unit above)."""

from decimal import Decimal

from django.db import transaction

from bases.models import (
    TrainingBaseCategory,
    TrainingBaseGalleryImage,
    TrainingBaseIndexPage,
    TrainingBasePage,
)
from core.models import District

from . import content
from .base import PinyinSlugs, Pools, child_slugs
from .core import CoreSeeder

BASES = 160
# The seed's 160+ bases today; the benchmark scale of DOMAIN.md plans for 2,000 (200 a unit).
BASES_PER_SCALE_UNIT = 200


class TrainingBaseSeeder(CoreSeeder):
    """Training bases spread over the districts, each with a unique name, inside the map's box."""

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
        slugs = PinyinSlugs()
        categories = content.bases.base_category_order
        with transaction.atomic(), self.bar(total, "实训基地", "处") as bar:
            for i in range(total):
                district = self.districts[i % len(self.districts)]
                category = categories[(i + i // len(self.districts)) % len(categories)]
                title, street = next(
                    (title, street)
                    for title, street in self.base_names(rng, category, district)
                    if title not in seen
                )
                seen.add(title)
                slug = slugs(title)
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
                    self.block(
                        rng,
                        "points",
                        {"title": content.bases.teaching_points_title, "points": points},
                    )
                ]
                summary = content.bases.base_summaries[category].format(
                    title=title
                ) + content.bases.capacity_sentence.format(capacity=capacity)
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
                self.add_page(index, page)
                self.created["bases"] += 1
                self.created["gallery images"] += len(gallery)
