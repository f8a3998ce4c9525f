"""Page-number pagination with a client-chosen page size, bounded and validated."""
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 500


class CatrackPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    page_size_query_description = f"Rows per page, 1 to {MAX_PAGE_SIZE} (default 50)."

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # DRF silently falls back to the default on a bad value; a typo must not go unnoticed.
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": f"An integer from 1 to {MAX_PAGE_SIZE}, not {raw!r}."}) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"An integer from 1 to {MAX_PAGE_SIZE}, not {size}."})
        return size
