"""Only a resource whose rows depend on nothing but the request's filters may keep shapes (apps.core.api.shapes):
a kept shape's SQL serves whoever asks next."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.trade.api.views import TradeFlowViewSet


def test_a_resource_whose_rows_depend_on_the_user_cannot_keep_shapes():
    with pytest.raises(ImproperlyConfigured, match="keeps shapes"):

        class PerUser(TradeFlowViewSet):
            def get_queryset(self):
                return super().get_queryset().filter(source__slug=self.request.user.username)


def test_a_resource_filtering_beyond_its_filterset_cannot_keep_shapes():
    with pytest.raises(ImproperlyConfigured, match="keeps shapes"):

        class OwnFilter(TradeFlowViewSet):
            def filter_queryset(self, queryset):
                return super().filter_queryset(queryset).filter(year__gte=2000)


def test_the_same_resource_without_kept_shapes_may():
    class PerUser(TradeFlowViewSet):
        keeps_shapes = False

        def get_queryset(self):
            return super().get_queryset()

    assert PerUser.keeps_shapes is False
