"""Settings for the app server the fuzzers start: the browser tests' server settings,
with API throttles lifted so that a few hundred generated requests a minute are all
answered by the endpoint under test rather than by a 429."""

from tests.browser.server_settings import *  # noqa: F403
from tests.browser.server_settings import REST_FRAMEWORK

REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {**REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "100000/min", "user": "100000/min"},
}
