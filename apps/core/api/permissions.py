"""The API's permission rule: anyone may read; writing a resource takes the user's model permission for it."""

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's DjangoModelPermissionsOrAnonReadOnly (settings.REST_FRAMEWORK's DEFAULT_PERMISSION_CLASSES), the same
    answers: a method its perms_map asks no permission for (GET, HEAD, OPTIONS) passes for any user; POST, PUT,
    PATCH and DELETE need the model's add/change/delete permission, checked by DRF as before."""

    def has_permission(self, request, view):
        if self.perms_map.get(request.method) == [] and request.user:
            # DRF builds the view's queryset (a clone of it on every read) only to name an empty list of
            # permissions, which every user has.
            return True
        return super().has_permission(request, view)
