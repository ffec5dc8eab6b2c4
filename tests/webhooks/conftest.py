"""The webhook tests share the notifications folder's commitments world rather than copy it.
Its fixed site URL applies here too: webhook payloads carry absolute links."""

from tests.notifications.conftest import _site_url, catalogue  # noqa: F401 (fixtures)
