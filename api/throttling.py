"""Rate limits: per integration token, per signed-in user, per address for anonymous calls."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.models import IntegrationToken


class ApiRateThrottle(SimpleRateThrottle):
    """One bucket per token (scope "token"), per session user ("user") or per address ("anon").

    Rates are read on every request (not at import), so settings can change them.
    """

    def allow_request(self, request, view):
        if isinstance(request.auth, IntegrationToken):
            self.scope, ident = "token", f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            self.scope, ident = "user", f"user-{request.user.pk}"
        else:
            self.scope, ident = "anon", f"anon-{self.get_ident(request)}"
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"scope": self.scope, "ident": ident}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def __init__(self):
        # The rate depends on the caller, so it is chosen in allow_request.
        pass
