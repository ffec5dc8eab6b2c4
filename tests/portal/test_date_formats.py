"""Dates and times in each language as CLDR writes them (#15)."""

import datetime

import pytest
from django.utils import translation
from django.utils.formats import date_format

MOMENT = datetime.datetime(2026, 12, 3, 11, 36)


@pytest.mark.parametrize(
    ("language", "datetime_text", "date_text"),
    [
        ("ar", "3 ديسمبر 2026، 11:36 ص", "3 ديسمبر 2026"),  # was "ديسمبر 3, 2026, 11:36 ص"
        ("fr", "3 décembre 2026 11:36", "3 décembre 2026"),
        ("en", "Dec. 3, 2026, 11:36 a.m.", "Dec. 3, 2026"),
    ],
)
def test_dates_read_as_each_language_writes_them(language, datetime_text, date_text):
    with translation.override(language):
        assert date_format(MOMENT, "DATETIME_FORMAT") == datetime_text
        assert date_format(MOMENT.date(), "DATE_FORMAT") == date_text
