"""Vietnamese alphabetical order, as one sortable key. Pure: no Flask, no database.

The Vietnamese alphabet orders letters with their own marks as letters of their own
(a < ă < â < b < c < d < đ < e < ê < … < o < ô < ơ < … < u < ư < …); the five tone marks
(huyền, hỏi, ngã, sắc, nặng) only break ties between words that are otherwise equal.

`sort_key(*parts)` turns texts (a province, then a name) into one string of digits that sorts
the same way byte by byte, in Python, in SQLite and in PostgreSQL whatever the database's own
collation: each letter is two digits, each part ends with "00" so that "An" sorts before
"An Giang", and each part's tones follow its letters, so a tone only decides between equal letters.
"""
from __future__ import annotations

import unicodedata

ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Tone marks, in the order dictionaries use: none, huyền, hỏi, ngã, sắc, nặng.
TONES = {"": 0, "\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve (ă), circumflex (â ê ô), horn (ơ ư)
_RANK = {letter: 20 + index for index, letter in enumerate(ALPHABET)}
SPACE, DIGIT_BASE, OTHER = 1, 10, 99
PART_MAX = 120  # characters of each part that count


def _letters(text: str) -> list[tuple[int, int]]:
    """(letter rank, tone) for each character of the text, case and spacing ignored."""
    result: list[tuple[int, int]] = []
    for char in unicodedata.normalize("NFD", text.strip().lower()):
        if unicodedata.combining(char):
            if not result:
                continue
            rank, tone = result[-1]
            if char in TONES:
                result[-1] = (rank, TONES[char])
            elif char in _LETTER_MARKS:
                composed = unicodedata.normalize("NFC", ALPHABET[rank - 20] + char) if 20 <= rank < 99 else ""
                result[-1] = (_RANK.get(composed, rank), tone)
            continue
        if char.isspace() or char in "-_.,/()":
            if result and result[-1][0] == SPACE:
                continue
            result.append((SPACE, 0))
        elif char.isdigit():
            result.append((DIGIT_BASE + int(char), 0))
        else:
            result.append((_RANK.get(char, OTHER), 0))
    while result and result[-1][0] == SPACE:
        result.pop()
    return result[:PART_MAX]


def part_key(text: str) -> str:
    letters = _letters(text or "")
    return "".join(f"{rank:02d}" for rank, _ in letters) + "00" + "".join(str(tone) for _, tone in letters)


def sort_key(*parts: str) -> str:
    """One key for the parts in order: the first decides, the next break ties."""
    return "".join(part_key(part) for part in parts)


def endpoint_sort_key(province: str, name: str) -> str:
    """An endpoint's place in every list: by province, then by name (the host comes first on its own)."""
    return sort_key(province or "", name or "")
