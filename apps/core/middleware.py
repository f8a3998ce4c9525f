"""Django's CommonMiddleware, with writes kept as writes when a slash is appended."""

from django.http import HttpResponsePermanentRedirect
from django.middleware import common
from django.utils.http import escape_leading_slashes


class PermanentRedirectKeepingMethod(HttpResponsePermanentRedirect):
    """308: the client repeats the same method and body at the new address (RFC 9110 15.4.9); a 301 is
    followed as a GET by most clients, so a POST came back as the list's 200 and created nothing."""

    status_code = 308


class CommonMiddleware(common.CommonMiddleware):
    """APPEND_SLASH for every method: GET and HEAD get Django's 301; POST, PUT, PATCH, DELETE (and OPTIONS) get
    a 308 to the same path with the slash. Django's own raises a RuntimeError for them under DEBUG (a 500 on
    the development server) and answers a 301 otherwise."""

    def process_response(self, request, response):
        if (
            request.method not in ("GET", "HEAD")
            and response.status_code == 404
            and self.should_redirect_with_slash(request)
        ):
            return PermanentRedirectKeepingMethod(
                escape_leading_slashes(request.get_full_path(force_append_slash=True))
            )
        return super().process_response(request, response)
