"""`Authorization: Token <key>` against hashed keys (apps.core.models.ApiToken): DRF's header, DRF's errors."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from apps.core.models import API_KEY_PREFIX_LENGTH, ApiToken


class HashedTokenAuthentication(TokenAuthentication):
    """DRF's TokenAuthentication reading ApiToken: the rows whose prefix is the key's are compared by digest in
    constant time. A key no row matches (the digest sent as a key too) is AuthenticationFailed, a 401."""

    model = ApiToken

    def authenticate_credentials(self, key):
        """(user, token) for the key `key`; AuthenticationFailed("Invalid token.") for any other text."""
        if "\x00" not in key:  # PostgreSQL refuses NUL in a parameter; no key holds one
            candidates = ApiToken.objects.select_related("user").filter(prefix=key[:API_KEY_PREFIX_LENGTH])
            for token in candidates:
                if token.matches(key):
                    if not token.user.is_active:
                        raise exceptions.AuthenticationFailed("User inactive or deleted.")
                    return (token.user, token)
        raise exceptions.AuthenticationFailed("Invalid token.")
