"""Pledges for the API."""
from apps.core.api.serializers import FactSerializer
from apps.investments.models import Pledge


class PledgeSerializer(FactSerializer):
    class Meta:
        model = Pledge
        fields = "__all__"
