"""The console's pages of visits (走访), collection points (集中采集点) and 签字确认.

* ``/admin/visits`` the people of the collector's area who need a home visit, with their visits;
* ``/admin/visits/person/{id}`` a person's visits, and the form to enter one;
* ``/admin/points`` the collection points of the area (administrators create them and assign staff);
* the interview page's visit form, signature pad and no-signature reasons (:func:`interview_extras`).

Data comes from the services; forms post to the API (``static/console.js``, ``static/signature.js``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from admin.console.base import Console, ConsoleDep
from admin.services import points as points_service
from admin.services import signatures as signatures_service
from admin.services import visits as service
from admin.services.access import scope_of
from admin.web.params import DbId, Offset
from storage.crypto import mask_name, mask_phone
from storage.errors import NotFound
from storage.modes import MODE_LABELS
from storage.signatures import NO_SIGNATURE_LABELS
from storage.staff import Staff
from storage.visits import OUTCOME_LABELS, VISIT_MODE_LABELS

PAGE = 50


def labels() -> dict[str, Any]:
    """The words of the visit forms and lists."""
    return {"outcomes": {k.value: v for k, v in OUTCOME_LABELS.items()},
            "visit_modes": {k.value: v for k, v in VISIT_MODE_LABELS.items()},
            "no_signature": {k.value: v for k, v in NO_SIGNATURE_LABELS.items()},
            "collection_modes": {k.value: v for k, v in MODE_LABELS.items()}}


def _campaign_key(c: Console, chosen: str) -> tuple[str, list[tuple[str, Any]]]:
    campaigns = [(key, q) for key, q in c.campaigns() if q.subject.kind == "person"]
    keys = [key for key, _ in campaigns]
    if not keys:
        raise NotFound("no campaign has begun yet")
    return (chosen if chosen in keys else keys[0]), campaigns


def interview_extras(c: Console, staff: Staff, interview_id: int, record_id: int | None) -> dict[str, Any]:
    """What the interview page adds for visits, the window's point and the signature."""
    if record_id is None:
        return {}
    scope = scope_of(c.uow.staff, staff)
    campaign = service.campaign_of_record(c.uow, record_id)
    return {"campaign_key": campaign.key if campaign else "",
            "point": points_service.window_point(c.uow, interview_id),
            "signature": signatures_service.state(c.uow, staff, scope, record_id), **labels()}


def visit_pages() -> APIRouter:
    """The visits, collection points and their pages."""
    pages = APIRouter(prefix="/admin", include_in_schema=False)

    @pages.get("/visits")
    def needs_page(c: ConsoleDep, campaign: str = "", offset: Offset = 0) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            key, campaigns = _campaign_key(c, campaign)
            found = service.campaign_by_key(c.uow, key)
            start = max(offset, 0)
            total, rows = service.needing(c.uow, staff, scope_of(c.uow.staff, staff), found, limit=PAGE,
                                          offset=start)
            regions = {r.region_id: c.uow.staff.region(r.region_id) for r in rows if r.region_id is not None}
            masked = {r.person_id: (mask_name(r.name) if r.name else "", mask_phone(r.phone) if r.phone else "")
                      for r in rows}
            return {"campaigns": campaigns, "chosen": key, "total": total, "rows": rows, "offset": start,
                    "masked": masked,
                    "size": PAGE, "regions": {k: (v.path if v else "") for k, v in regions.items()},
                    "figures": service.figures(c.uow, staff, found)[0], **labels()}

        return c.page("visits", "visits.html", build)

    @pages.get("/visits/person/{person_id}")
    def person_page(c: ConsoleDep, person_id: DbId, campaign: str = "") -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            key, _ = _campaign_key(c, campaign)
            found = service.campaign_by_key(c.uow, key)
            scope = scope_of(c.uow.staff, staff)
            person = service.person_of_area(c.uow, staff, scope, found, person_id)
            visits = service.visits_of_person(c.uow, staff, scope, found, person_id)
            name = c.uow.store.people.name(person)
            return {"campaign_key": key, "person_id": person_id, "name": name, "visits": visits,
                    "phone": c.uow.store.people.phone(person), **labels()}

        return c.page("visits", "visit_person.html", build)

    @pages.get("/points")
    def points_page(c: ConsoleDep) -> Response:
        def build(staff: Staff) -> dict[str, Any]:
            scope = scope_of(c.uow.staff, staff)
            total, rows = points_service.list_points(c.uow, staff, scope, limit=200)
            paths = {r.point.region_id: c.uow.staff.region(r.point.region_id) for r in rows}
            return {"total": total, "rows": rows, "paths": {k: (v.path if v else "") for k, v in paths.items()},
                    "mine": {r.point.id for r in points_service.points_of(c.uow, staff)},
                    "region_path": scope.path}

        return c.page("points", "points.html", build)

    return pages
