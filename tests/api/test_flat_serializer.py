"""mediation.api.FlatSerializer: shallow copies of the declared fields, and still no state shared
between two serializers (the filing and timeline serializers rely on it)."""

import threading

from rest_framework import serializers

from mediation.api import FlatSerializer


class Filing(FlatSerializer):
    title = serializers.CharField(max_length=10)
    kind = serializers.ChoiceField(choices=["refund", "repair"])
    tags = serializers.ListField(child=serializers.CharField(max_length=5), max_length=3)


def test_each_serializer_binds_fields_of_its_own_and_leaves_the_declared_ones_unbound():
    first, second = Filing(data={}), Filing(data={})

    assert first.fields["title"] is not second.fields["title"]
    assert (first.fields["title"].parent, second.fields["title"].parent) == (first, second)
    assert first.fields["tags"].field_name == "tags"
    assert Filing._declared_fields["title"].parent is None


def test_two_serializers_validating_at_once_keep_their_own_values_and_errors():
    goods = [{"title": f"case {i}", "kind": "refund", "tags": [str(i)]} for i in range(200)]
    bads = [{"title": "x" * 11, "kind": "swap", "tags": ["toolong", "b", "c", "d"]} for _ in range(200)]
    failures = []

    def validate(bodies, valid):
        for body in bodies:
            serializer = Filing(data=body)
            if serializer.is_valid() != valid:
                failures.append(("valid" if valid else "invalid", body, serializer.errors))
            elif valid and serializer.validated_data != body:
                failures.append(("values", body, dict(serializer.validated_data)))
            elif not valid and set(serializer.errors) != {"title", "kind", "tags"}:
                failures.append(("errors", body, serializer.errors))

    threads = [threading.Thread(target=validate, args=args) for args in ((goods, True), (bads, False))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
