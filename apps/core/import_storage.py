"""Where an admin import keeps the uploaded file between its preview and its confirmation.

The confirmation form sends the file's name back (`import_file_name`); django-import-export's
TempFolderStorage joined whatever came back onto the temp folder, so `../../tmp/<file>` read and then
deleted any file the server could. Here the name is an opaque id this storage made (uuid4 hex), checked
before any path is built: anything else is a 400 (SuspiciousFileOperation).
"""

import os
import re
import tempfile
from uuid import uuid4

from django.core.exceptions import SuspiciousFileOperation
from import_export.tmp_storages import TempFolderStorage

OPAQUE_ID = re.compile(r"[0-9a-f]{32}")


def import_folder():
    """A folder only this process's user can read: <temp>/catrack-imports (made on first use)."""
    folder = os.path.join(tempfile.gettempdir(), "catrack-imports")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    return folder


class OpaqueIdTempStorage(TempFolderStorage):
    """TempFolderStorage whose files are named by a uuid4 hex id in import_folder(), never by the client."""

    def save(self, data):
        """Store the upload (bytes, as the admin hands it over) under a new id."""
        if not self.name:
            self.name = uuid4().hex
        with open(self.get_full_path(), "wb") as file:
            file.write(data)

    def get_full_path(self):
        if not isinstance(self.name, str) or not OPAQUE_ID.fullmatch(self.name):
            raise SuspiciousFileOperation("The import file id is not one this server made.")
        return os.path.join(import_folder(), self.name)

    def _open(self, mode="r"):
        return open(self.get_full_path(), mode, encoding=None if "b" in mode else self.encoding)
