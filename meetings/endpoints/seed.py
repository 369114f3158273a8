"""Seeding the registry from the package's own copy of the endpoint facts, idempotently."""
from __future__ import annotations

import csv
from importlib import resources

from sqlalchemy import select

from meetings.endpoints.models import Endpoint, EndpointGroup
from meetings.extensions import db

SYSTEM_GROUPS = (
    # name, Vietnamese label, English label, kind rule, region rule
    ("all-enforcement", "Tất cả cơ quan thi hành án dân sự", "All civil judgment enforcement departments",
     "enforcement", None),
    ("law-schools", "Các trường trung cấp luật", "Law schools", "law_school", None),
    ("southern-office", "Cục Công tác phía Nam", "Southern Affairs Department", "southern_office", None),
    ("region-north", "Miền Bắc", "Northern region", None, "north"),
    ("region-central", "Miền Trung", "Central region", None, "central"),
    ("region-south", "Miền Nam", "Southern region", None, "south"),
)

DEFAULT_SEATS = {"hq": 120, "enforcement": 30, "law_school": 40, "southern_office": 40}


def read_seed_csv(filename: str) -> list[dict[str, str]]:
    text = resources.files("meetings.seed").joinpath(filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _endpoint_from_row(row: dict[str, str]) -> Endpoint:
    code = row["code"]
    return Endpoint(
        code=code, name=row["name_vi"], kind=row["kind"], province=row["province_vi"], gso_code=row["gso_code"],
        region=row["region"], subregion=row["subregion"], city=row["city_vi"],
        latitude=float(row["latitude"]), longitude=float(row["longitude"]),
        distance_km=int(row["road_km_to_hanoi"]), seats=DEFAULT_SEATS.get(row["kind"], 20),
        dial_string=f"sip:{code}@vc.moj.gov.vn",
    )


def seed_endpoints() -> int:
    """Add the endpoints and system groups that are missing; never overwrite an admin's corrections."""
    existing = set(db.session.scalars(select(Endpoint.code)))
    added = [_endpoint_from_row(row) for row in read_seed_csv("endpoints.csv") if row["code"] not in existing]
    db.session.add_all(added)
    known_groups = set(db.session.scalars(select(EndpointGroup.name)))
    for name, label_vi, label_en, kind, region in SYSTEM_GROUPS:
        if name not in known_groups:
            db.session.add(EndpointGroup(name=name, label_vi=label_vi, label_en=label_en, is_system=True,
                                         rule_kind=kind, rule_region=region))
    db.session.flush()
    return len(added)


def demo_phone(number: int) -> str:
    """A clearly made-up mobile number, 0900 000 0xx (the 0900 000 block is not handed out)."""
    return f"0900 000 {number:03d}"


def seed_demo_contacts() -> int:
    """Demo only: give endpoints without a contact a made-up one (name, e-mail and phone), so invitations show
    in the mail log and the readiness board has a number to call. The production seed leaves contacts empty."""
    endpoints = list(db.session.scalars(select(Endpoint).order_by(Endpoint.id)))
    changed = 0
    for number, endpoint in enumerate(endpoints, start=1):
        if endpoint.contact_email and endpoint.contact_phone:
            continue
        endpoint.contact_name = endpoint.contact_name or "Kỹ thuật viên điểm cầu (dữ liệu mẫu)"
        endpoint.contact_email = endpoint.contact_email or f"{endpoint.code}@demo.invalid"
        endpoint.contact_phone = endpoint.contact_phone or demo_phone(number)
        changed += 1
    db.session.flush()
    return changed
