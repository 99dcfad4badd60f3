"""The demo world: its counties, staff accounts, region file and the errors and summary it reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storage.errors import Conflict
from storage.repo import Store

#: The one password of every demo account. Demo only: never on a database with real people.
DEMO_PASSWORD = "intake-demo-only"
DEFAULT_PEOPLE = 100  # conversations through the engine: about 0.3 s a person on SQLite
DEFAULT_SEED = 2026
#: The region file, relative to the working directory or to the repository's parent.
REGIONS_RELATIVE = Path("shared") / "data" / "regions" / "gansu.tsv"
REPO = Path(__file__).resolve().parents[2]

PROVINCE = "甘肃省"
CHENGGUAN = "甘肃省/兰州市/城关区"
DONGXIANG = "甘肃省/临夏回族自治州/东乡族自治县"
ANDING = "甘肃省/定西市/安定区"
REVIEW_TOWNSHIP = DONGXIANG + "/东塬乡"
COLLECT_VILLAGE = REVIEW_TOWNSHIP + "/东塬村"
MARKER = "demo.province"  # the first demo account: its presence means the demo is loaded

#: username, display name, role, region path
STAFF: tuple[tuple[str, str, str, str], ...] = (
    (MARKER, "省级系统管理员", "system_admin", PROVINCE),
    ("demo.chengguan", "城关区管理员", "region_admin", CHENGGUAN),
    ("demo.dongxiang", "东乡县管理员", "region_admin", DONGXIANG),
    ("demo.anding", "安定区管理员", "region_admin", ANDING),
    ("demo.township", "东塬乡审核员", "reviewer", REVIEW_TOWNSHIP),
    ("demo.village", "东塬村采集员", "collector", COLLECT_VILLAGE),
    ("demo.hotline", "热线坐席", "hotline", PROVINCE),
)

COUNTY_ADMIN = {path: username for username, _, role, path in STAFF if role == "region_admin"}
SELF_CHANNELS = ("web", "wechat", "telegram")
STAGES = ("collected", "township_reviewed", "county_checked", "city_accepted", "province_accepted")


class DemoError(Conflict):
    """The demo cannot be seeded as asked (production, already loaded, an answer the engine keeps refusing);
    the message says why and what to do."""


@dataclass(frozen=True)
class County:
    """A county of the demo, with the townships preferred for its people and how it lives."""

    path: str
    townships: tuple[str, ...]
    share: float
    urban: bool
    ethnicities: Mapping[str, int]  # GB/T 3304 code -> weight


COUNTIES: tuple[County, ...] = (
    County(CHENGGUAN, ("张掖路街道", "酒泉路街道", "皋兰路街道"), 0.3, True, {"01": 85, "03": 11, "04": 2, "26": 2}),
    County(DONGXIANG, ("东塬乡", "锁南镇", "唐汪镇"), 0.4, False, {"26": 78, "03": 14, "01": 8}),
    County(ANDING, ("凤翔镇", "内官营镇", "李家堡镇"), 0.3, False, {"01": 96, "03": 4}),
)


@dataclass(frozen=True)
class Place:
    """A demo county as found in the region tree: its code and the villages people are put in."""

    county: County
    code: str
    villages: tuple[str, ...]



@dataclass(frozen=True)
class StaffRow:
    """A demo account for the printed table."""

    username: str
    display_name: str
    role: str
    region: str


@dataclass
class DemoSummary:
    """What the demo database holds."""

    already_loaded: bool
    regions: int = 0
    regions_added: int = 0
    people: int = 0
    roster: dict[str, int] = field(default_factory=dict)  # campaign key -> entries
    records: dict[str, int] = field(default_factory=dict)  # campaign key -> records
    submitted: int = 0
    in_progress: int = 0
    stages: dict[str, int] = field(default_factory=dict)
    channels: dict[str, int] = field(default_factory=dict)  # first channel -> records
    flags: dict[str, int] = field(default_factory=dict)  # reason -> flags
    open_flags: int = 0
    appeals: dict[str, int] = field(default_factory=dict)  # source -> appeals
    staff: list[StaffRow] = field(default_factory=list)
    seconds: float = 0.0


# -- where the regions come from -------------------------------------------------------------


def region_file_candidates(cwd: Path, repo: Path = REPO) -> list[Path]:
    """Where ../shared/data/regions/gansu.tsv is looked for: from the working directory, then the repository."""
    found: list[Path] = []
    for base in (cwd, repo):
        path = (base.parent / REGIONS_RELATIVE).resolve()
        if path not in found:
            found.append(path)
    return found


def resolve_regions_file(explicit: Path | None, cwd: Path, repo: Path = REPO) -> Path:
    """The region file to load: the one given, else the shared Gansu file; DemoError naming the paths if absent."""
    if explicit is not None:
        if not explicit.is_file():
            raise DemoError(f"the region file {explicit} does not exist")
        return explicit
    candidates = region_file_candidates(cwd, repo)
    for path in candidates:
        if path.is_file():
            return path
    tried = " or ".join(str(p) for p in candidates)
    raise DemoError(f"no region file at {tried}; give one with --regions PATH (the format of shared/data/regions)")



def demo_places(store: Store) -> list[Place]:
    """The demo counties as found in the loaded region tree, with the villages their people live in."""
    places = []
    for county in COUNTIES:
        region = store.regions.by_path(county.path)
        if region is None or region.id is None:
            raise DemoError(f"the region file has no county {county.path!r}; the demo needs the Gansu region tree")
        townships = [r for r in store.regions.children(region.id) if r.level == "township"]
        preferred = [t for name in county.townships for t in townships if t.name == name]
        chosen = (preferred + [t for t in townships if t not in preferred])[:3]
        villages: list[str] = []
        for township in chosen:
            villages.extend(v.path for v in store.regions.children(township.id or 0)[:4])
        if not villages:
            raise DemoError(f"the region file has no villages under {county.path!r}")
        code = region.code or ""
        if not (code.isdigit() and len(code) == 6):
            raise DemoError(f"the county {county.path!r} has no six-digit code in the region file")
        places.append(Place(county, code, tuple(villages)))
    return places

