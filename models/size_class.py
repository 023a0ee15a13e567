"""An enterprise's size class (企业规模: 大型/中型/小型/微型), by the national classification 统计上大中小微型企业
划分办法 (2017). The bureau measures how many small and medium-sized enterprises (中型, 小型, 微型) the centers
serve; the class is entered by the organization and kept as one of four codes. Universities, institutes and the
bureau are not enterprises and have none."""

from enum import StrEnum

from models.enums import OrgKind


class SizeClass(StrEnum):
    large = "large"
    medium = "medium"
    small = "small"
    micro = "micro"


SIZE_CLASSES: tuple[str, ...] = tuple(SizeClass)
SME_CLASSES: tuple[str, ...] = (SizeClass.medium, SizeClass.small, SizeClass.micro)
# Kinds of organization that are no enterprise: their size class stays empty.
NO_SIZE_CLASS = (OrgKind.university, OrgKind.institute, OrgKind.bureau)

# 工业 (industry) thresholds: employees and operating revenue in yuan. Large and medium must reach both lower
# bounds, else they fall one class; micro is below either bound of small.
_INDUSTRIAL = (
    (SizeClass.large, 1000, 400_000_000),
    (SizeClass.medium, 300, 20_000_000),
    (SizeClass.small, 20, 3_000_000),
)


def suggest_size_class(employees: int, revenue: int) -> SizeClass:
    """The class of an industrial firm with `employees` people and `revenue` yuan of operating revenue a year:
    1 200 people and 5 亿 → large; 350 and 1 500 万 → small (medium needs both bounds); 15 people → micro."""
    for size, least_employees, least_revenue in _INDUSTRIAL:
        if employees >= least_employees and revenue >= least_revenue:
            return size
    return SizeClass.micro
