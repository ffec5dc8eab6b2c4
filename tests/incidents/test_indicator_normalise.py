"""The fast paths of normalisation (indicators._PLAIN_URL, the struct-based pdq_words) give
what the general paths give, on ordinary and awkward inputs alike."""

import random

import pytest
from django.core.exceptions import ValidationError

from incidents import indicators
from incidents.models import IndicatorKind

AWKWARD_URLS = [
    "https://example.com",
    "https://example.com/",
    "http://example.com?x=1",
    "http://example.com/?",
    "http://example.com/a?",
    "http://example.com/a?b?c#d",
    "http://example.com#only-fragment",
    "http://example.com/a#b?c",
    "https://a-b.c-d.example/a%20b/c;d?e=f&g=h",
    "https://example.com/path/with/@at/and:colon",
    "https://example.com/\u00e9t\u00e9?q=\u00fc",
    "https://example.com/a\\b",
    "https://example.com/[x]",
    "https://example.com/a\x00b",
    "https://-x.example/",
    "https://example.com./x",
    "https://EXAMPLE.com/X",
    "HTTPS://example.com/",
    "hxxps://example[.]com/a",
    "https://example.com:443/a",
    "http://example.com:80/a",
    "http://example.com:8080/a",
    "https://user@example.com/",
    "https://example..com/",
    "https://[::1]/a",
    "ftp://example.com/",
    "https:///a",
    "https://example.com:99999/",
]


def _by_urlsplit(value: str) -> str | None:
    value = indicators._DEFANGED_SCHEME.sub("http", value).replace("[.]", ".")
    try:
        return indicators._split_url(value)
    except indicators._InvalidUrlError:
        return None


def _normalised(value: str) -> str | None:
    try:
        return indicators.normalise(IndicatorKind.URL, value)
    except ValidationError:
        return None


@pytest.mark.parametrize("value", AWKWARD_URLS)
def test_the_plain_url_path_agrees_with_urlsplit(value):
    assert _normalised(value) == _by_urlsplit(value)


def test_the_plain_url_path_agrees_with_urlsplit_on_random_urls():
    rng = random.Random(13)
    alphabet = "abcXYZ019-._~:/?#[]@!$&'()*+,;=%\\\u00e9"
    for _ in range(3000):
        tail = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        value = rng.choice(["http://", "https://", "hxxps://"]) + rng.choice(["example.com", "a.b", "x"]) + tail
        assert _normalised(value) == _by_urlsplit(value), value


def test_pdq_words_are_the_four_signed_64_bit_words_of_the_hash():
    rng = random.Random(7)
    for value in ["0" * 64, "f" * 64, "8" + "0" * 63, *(f"{rng.getrandbits(256):064x}" for _ in range(200))]:
        words = indicators.pdq_words(value)
        expected = []
        for i in range(4):
            word = int(value[i * 16 : (i + 1) * 16], 16)
            expected.append(word - (1 << 64) if word >= 1 << 63 else word)
        assert words == tuple(expected)
