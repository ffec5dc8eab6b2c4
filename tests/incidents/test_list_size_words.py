"""The indicator list's limit is a count written the reader's way (#15): "100 000 lignes" in
French, "100,000 lines" in English, wherever it is said."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from incidents.indicator_lines import MAX_LINES, check_size


@pytest.mark.parametrize(("language", "limit"), [("en", "100,000"), ("fr", "100\xa0000")])
def test_too_many_lines_are_refused_with_the_limit_in_the_readers_format(language, limit):
    assert MAX_LINES == 100_000
    with translation.override(language), pytest.raises(ValidationError) as refused:
        check_size("x\n" * (MAX_LINES + 1))
    assert limit in refused.value.messages[0]
