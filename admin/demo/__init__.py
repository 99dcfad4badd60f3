"""The seeded demo (`intake demo`): Gansu regions, a generated roster, answered records, flags, appeals, staff.

:func:`seed_demo` fills an empty database so that a newcomer sees a living console at once: people
in three real counties (兰州市城关区, 临夏州东乡县, 定西市安定区) with valid ID numbers, on the rosters
of the veterans and disabled-persons campaigns of the configured year; one staff account per level.
Every record is answered by driving a conversation through the real chat service — the generated
person says what they would type, and the engine decides what is asked, understood, validated,
flagged and sealed — then moved up the review levels by the demo accounts; appeals come from the
questionnaires, from "转人工" in chats and from hotline calls.

The people are deterministic (:func:`plan_people`: same seed, same people). Seeding is refused when
``INTAKE_ENV=production``, refused on a database that already holds people, records, staff or
appeals, and a no-op when the demo is already loaded. ``admin/cli/cmd_demo.py`` prints.

Modules: :mod:`.world` (counties, accounts, region file), :mod:`.people`, :mod:`.values` (a person's
answers), :mod:`.speech` (said as typed), :mod:`.talk` (one conversation), :mod:`.timeline` (planned
moments), :mod:`.review` (staff work), :mod:`.summary`, :mod:`.seed`.
"""

from admin.demo.people import DemoPerson, make_id_number, plan_people
from admin.demo.seed import seed_demo
from admin.demo.summary import loaded_summary
from admin.demo.world import (
    ANDING,
    CHENGGUAN,
    COLLECT_VILLAGE,
    DEFAULT_PEOPLE,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DONGXIANG,
    STAFF,
    DemoError,
    DemoSummary,
    Place,
    StaffRow,
    demo_places,
    region_file_candidates,
    resolve_regions_file,
)

__all__ = [
    "ANDING", "CHENGGUAN", "COLLECT_VILLAGE", "DEFAULT_PEOPLE", "DEFAULT_SEED", "DEMO_PASSWORD", "DONGXIANG", "STAFF",
    "DemoError", "DemoPerson", "DemoSummary", "Place", "StaffRow", "demo_places", "loaded_summary",
    "make_id_number", "plan_people", "region_file_candidates", "resolve_regions_file", "seed_demo",
]
