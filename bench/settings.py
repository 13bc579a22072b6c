"""Settings for the benchmark: the site's own, plus the floor view and no API rate limits."""

from peersupport.settings import *  # noqa: F403
from peersupport.settings import REST_FRAMEWORK

ROOT_URLCONF = "bench.urls"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "token": "1000000/minute",
        "user": "1000000/minute",
        "anon": "1000000/minute",
    },
}
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
