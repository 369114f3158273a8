"""An endpoint's short name: the enforcement departments as "THADS <place>", the law schools as
"Trường TC Luật <place>", other names without their bracketed or dashed tail."""
from __future__ import annotations

import pytest

from meetings.endpoints.names import short_name


@pytest.mark.parametrize(("name", "short"), [
    ("Cục Thi hành án dân sự tỉnh An Giang", "THADS An Giang"),
    ("Cục Thi hành án dân sự thành phố Hà Nội", "THADS Hà Nội"),
    ("Cục Thi hành án dân sự Thành phố Hồ Chí Minh", "THADS Hồ Chí Minh"),
    ("Thi hành án dân sự tỉnh Tuyên Quang", "THADS Tuyên Quang"),  # the name after the 2025 reorganisation
    ("Cục Thi hành án dân sự tỉnh Bà Rịa - Vũng Tàu", "THADS Bà Rịa - Vũng Tàu"),  # a hyphen joins two places
    ("Trường Trung cấp Luật Buôn Ma Thuột", "Trường TC Luật Buôn Ma Thuột"),
    ("Bộ Tư pháp – điểm cầu chính (60 Trần Phú, Ba Đình, Hà Nội)", "Bộ Tư pháp"),
    ("Cục Công tác phía Nam (Bộ Tư pháp)", "Cục Công tác phía Nam"),
    ("Văn phòng Chính phủ", "Văn phòng Chính phủ"),
    ("  Cục Thi hành án dân sự   tỉnh  Cà Mau ", "THADS Cà Mau"),
])
def test_short_names(name, short):
    assert short_name(name) == short
