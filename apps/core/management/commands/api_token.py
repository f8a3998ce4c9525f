"""Issue a user's API key and print it, the only time it is shown (only its digest is stored)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.models import ApiToken


class Command(BaseCommand):
    help = (
        "Print a new API key for USERNAME (sent as `Authorization: Token <key>`). It is shown once: only its "
        "digest is stored. A user has one key; --reset replaces it (the old key stops working)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reset", action="store_true", help="Replace the user's key if there is one.")

    def handle(self, *args: Any, username: str, reset: bool, **options: Any) -> None:
        user_model = get_user_model()
        try:
            user = user_model._default_manager.get_by_natural_key(username)
        except user_model.DoesNotExist as error:
            raise CommandError(f"No user named {username!r}.") from error
        if ApiToken.objects.filter(user=user).exists() and not reset:
            raise CommandError(f"{username} has a key already; --reset replaces it (the old one stops working).")
        _, key = ApiToken.issue(user)
        self.stdout.write(key)
