"""Grades and certifications."""

import pytest

from matching._quality import parse_certifications, parse_grade


@pytest.mark.parametrize(("text", "level"), [
    ("A", 3), ("grade a", 3), ("Premium", 3), ("mutu I", 3), ("1", 3), ("B", 2),
    ("standar", 2), ("Mutu II", 2), ("C", 1), ("asalan", 1), ("lokal", 1), ("", 0),
])
def test_parse_grade(text, level):
    assert parse_grade(text) == level


def test_unknown_grade():
    with pytest.raises(ValueError, match="unknown grade 'Z'"):
        parse_grade("Z")


def test_certifications_are_canonical():
    assert parse_certifications("Halal MUI; organik, HACCP") == {"HALAL", "ORGANIC", "HACCP"}
    assert parse_certifications("ISO 22000|SVLK") == {"ISO22000", "SVLK"}
    assert parse_certifications("") == frozenset()
