"""The 2025 reorganisation: 63 provinces became 34, and the enforcement departments followed."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from meetings.auth import audit
from meetings.auth.models import User
from meetings.endpoints.models import Endpoint, EndpointName
from meetings.endpoints.seed import read_seed_csv
from meetings.endpoints.services import merge_endpoint
from meetings.extensions import db

REORGANISATION_DAY = date(2025, 7, 1)
UNIT_PREFIXES = (("Thành phố ", "thành phố "), ("Tỉnh ", "tỉnh "))


@dataclass
class MergeReport:
    merged: list[tuple[str, str]] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    already_done: bool = False


def _short_province(unit: str) -> str:
    for prefix, _ in UNIT_PREFIXES:
        if unit.startswith(prefix):
            return unit[len(prefix):]
    return unit


def _enforcement_name(unit: str) -> str:
    for prefix, lower in UNIT_PREFIXES:
        if unit.startswith(prefix):
            return f"Thi hành án dân sự {lower}{unit[len(prefix):]}"
    return f"Thi hành án dân sự {unit}"


def _rename(endpoint: Endpoint, *, name: str, province: str, on: date) -> bool:
    if endpoint.name == name and endpoint.province == province:
        return False
    endpoint.former_names.append(EndpointName(name=endpoint.name, province=endpoint.province, valid_until=on))
    endpoint.name, endpoint.province = name, province
    return True


def apply_province_merge(*, actor: User | None, on: date = REORGANISATION_DAY) -> MergeReport:
    """Merge each old province's department into its new unit's and rename the survivors.

    Safe to run again: endpoints already merged or renamed are left as they are.
    """
    mapping = read_seed_csv("province_merge_2025.csv")
    by_gso = {e.gso_code: e for e in db.session.scalars(select(Endpoint).where(Endpoint.kind == "enforcement"))}
    report = MergeReport()
    for row in mapping:
        old, new = by_gso.get(row["old_gso_code"]), by_gso.get(row["new_gso_code"])
        if old is None or new is None or old.id == new.id or not old.is_active:
            continue
        merge_endpoint(old, new, on=on, actor=actor, reason="Nghị quyết 202/2025/QH15")
        report.merged.append((old.code, new.code))
    units = {row["new_gso_code"]: row["new_unit_vi"] for row in mapping}
    for gso_code, unit in units.items():
        survivor = by_gso.get(gso_code)
        if survivor is not None and _rename(survivor, name=_enforcement_name(unit),
                                            province=_short_province(unit), on=on):
            report.renamed.append(survivor.code)
    _move_other_endpoints(mapping, on)
    report.already_done = not report.merged and not report.renamed
    if not report.already_done:
        audit.record("endpoint.province_merge", actor=actor, target_type="reorganisation", target_id=on.isoformat(),
                     summary=f"{len(report.merged)} merged, {len(report.renamed)} renamed")
    db.session.flush()
    return report


def _move_other_endpoints(mapping: list[dict[str, str]], on: date) -> None:
    """Schools and offices keep their names but now lie in the new province."""
    new_province = {row["old_gso_code"]: _short_province(row["new_unit_vi"]) for row in mapping}
    others = db.session.scalars(select(Endpoint).where(Endpoint.kind != "enforcement", Endpoint.is_active.is_(True)))
    for endpoint in others:
        province = new_province.get(endpoint.gso_code)
        if province and not endpoint.former_names and province != endpoint.province:
            _rename(endpoint, name=endpoint.name, province=province, on=on)
