"""Vietnamese alphabetical order: letters with their own marks are letters; tones only break ties."""
from meetings.core.collation import endpoint_sort_key, sort_key


def ordered(words):
    return sorted(words, key=sort_key)


def test_d_bar_comes_after_every_d():
    provinces = ["Đồng Nai", "Điện Biên", "Đắk Lắk", "Đà Nẵng", "Đồng Tháp", "Đắk Nông", "Cà Mau", "Gia Lai"]
    assert ordered(provinces) == ["Cà Mau", "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai",
                                  "Đồng Tháp", "Gia Lai"]
    assert ordered(["Đà", "Dz", "Da", "E"]) == ["Da", "Dz", "Đà", "E"]


def test_hoa_binh_after_hai_duong_the_tone_does_not_decide():
    assert ordered(["Hòa Bình", "Hải Dương", "Hà Nội", "Hậu Giang", "Hà Giang", "Hưng Yên", "Huế"]) == [
        "Hà Giang", "Hà Nội", "Hải Dương", "Hậu Giang", "Hòa Bình", "Huế", "Hưng Yên"]


def test_the_letters_with_marks_follow_their_base_letter():
    assert ordered(["â", "ă", "a", "b"]) == ["a", "ă", "â", "b"]
    assert ordered(["ê", "e", "f"]) == ["e", "ê", "f"]
    assert ordered(["ơ", "ô", "o", "p"]) == ["o", "ô", "ơ", "p"]
    assert ordered(["ư", "u", "v"]) == ["u", "ư", "v"]
    assert ordered(["Ăn", "Ân", "An Giang"]) == ["An Giang", "Ăn", "Ân"]


def test_tones_only_break_ties_in_dictionary_order():
    assert ordered(["mạ", "má", "mã", "mả", "mà", "ma"]) == ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert ordered(["ba c", "bà b", "bá"]) == ["bá", "bà b", "ba c"]  # letters first, whatever the tone


def test_case_spacing_and_a_shorter_word_first():
    assert sort_key("an giang") == sort_key("  An   Giang ")
    assert ordered(["An Giang", "An"]) == ["An", "An Giang"]


def test_the_province_decides_before_the_name():
    keys = [endpoint_sort_key("Hà Nội", "Cục Thi hành án dân sự thành phố Hà Nội"),
            endpoint_sort_key("Hà Nội", "Bộ Tư pháp – điểm cầu chính"),
            endpoint_sort_key("Bắc Ninh", "Zeta")]
    assert sorted(keys) == [keys[2], keys[1], keys[0]]
    assert all(key.isdigit() for key in keys)  # sorts byte by byte in any database collation
