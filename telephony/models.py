from django.db import models


class LocalBinding(models.Model):
    """A binding of the local gateway (telephony.backends.local), the embedded default: what a
    provider would keep on its side, so a test or a demo can play a call through it."""

    subscription_id = models.CharField(max_length=64, unique=True)
    middle_number = models.CharField(max_length=20)
    phone_a = models.CharField(max_length=20)
    phone_b = models.CharField(max_length=20)
    expires_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["middle_number", "active"])]

    def __str__(self) -> str:
        return f"{self.subscription_id} via {self.middle_number}"
