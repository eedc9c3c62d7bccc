"""Model serializers that work out their fields once per class (mediation.api.FieldsWorkedOutOnce)."""

import pytest
from rest_framework import serializers

from complaints.serializers import ComplaintSerializer

pytestmark = pytest.mark.django_db


class FromTheModelEachTime(serializers.ModelSerializer):
    """ComplaintSerializer as DRF builds it: its model's fields read for every instance."""

    class Meta(ComplaintSerializer.Meta):
        pass


FromTheModelEachTime._declared_fields = ComplaintSerializer._declared_fields
for _name in ("get_mediator", "get_consumer"):
    setattr(FromTheModelEachTime, _name, getattr(ComplaintSerializer, _name))


def test_each_instance_has_fields_of_its_own(file_complaint, wang, rf):
    case = file_complaint()
    request = rf.get("/")
    request.user = wang
    first = ComplaintSerializer(case, context={"request": request})
    second = ComplaintSerializer(case, context={"request": request})

    first.fields.pop("title")
    first.fields["status"].label = "changed"

    assert "title" in second.fields
    assert second.fields["status"] is not first.fields["status"]
    assert second.fields["status"].parent is second and second.fields["status"].label != "changed"


def test_the_fields_worked_out_once_answer_as_drf_builds_them(file_complaint, wang, rf):
    case = file_complaint()
    request = rf.get("/")
    request.user = wang
    assert ComplaintSerializer(case, context={"request": request}).data  # the class's fields worked out

    assert (
        ComplaintSerializer(case, context={"request": request}).data
        == FromTheModelEachTime(case, context={"request": request}).data
    )
    assert list(ComplaintSerializer().fields) == list(FromTheModelEachTime().fields)
    assert [type(f) for f in ComplaintSerializer().fields.values()] == [
        type(f) for f in FromTheModelEachTime().fields.values()
    ]
