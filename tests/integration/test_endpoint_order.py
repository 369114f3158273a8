"""One order everywhere: the host first, then provinces in Vietnamese alphabetical order, then names."""
import pytest

from meetings.core.collation import endpoint_sort_key
from meetings.endpoints.models import Endpoint
from meetings.extensions import db
from tests.factories import future_day, meeting_body

VIETNAMESE_ORDER = ["An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Cà Mau", "Cần Thơ", "Đà Nẵng",
                    "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang",
                    "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang", "Hòa Bình"]


@pytest.fixture
def headers(bearer):
    return bearer("booker")


def _positions(provinces: list[str]) -> list[int]:
    return [provinces.index(p) for p in VIETNAMESE_ORDER]


def test_the_api_lists_participants_host_first_then_in_vietnamese_order(client, headers):
    body = meeting_body(future_day(weeks=5), endpoints=["thads-hoa-binh", "thads-dien-bien"],
                        groups=["all-enforcement"])
    meeting = client.post("/api/v1/meetings", json=body, headers=headers).get_json()
    participants = meeting["participants"]
    assert participants[0]["endpoint"] == "moj-hq" and participants[0]["is_host"]
    assert not any(p["is_host"] for p in participants[1:])
    by_code = {e.code: e.province for e in db.session.query(Endpoint)}
    provinces = [by_code[p["endpoint"]] for p in participants[1:]]
    assert _positions(provinces) == sorted(_positions(provinces))
    assert provinces.index("Đồng Nai") < provinces.index("Gia Lai")  # Đ after D, not at the end
    assert provinces.index("Hải Dương") < provinces.index("Hòa Bình")
    again = client.get(f"/api/v1/meetings/{meeting['id']}", headers=headers).get_json()["participants"]
    assert [p["endpoint"] for p in again] == [p["endpoint"] for p in participants]


def test_the_sort_key_follows_a_corrected_province(db_session):
    endpoint = db.session.query(Endpoint).filter_by(code="thads-hoa-binh").one()
    endpoint.province = "Phú Thọ"
    db.session.flush()
    assert endpoint.sort_key == endpoint_sort_key("Phú Thọ", endpoint.name)
