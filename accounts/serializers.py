"""Shapes of the auth API (API.md "Auth"). They check shape only; accounts.services decides."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from mediation.text import TextSerializerField

from .models import User


class CouncilRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MerchantRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class MeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="display_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    merchant = MerchantRefSerializer(read_only=True, allow_null=True)
    council = CouncilRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "role", "role_display", "name", "username", "phone", "merchant", "council", "language"]
        read_only_fields = fields


class SmsCodeRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    purpose = serializers.ChoiceField(
        choices=[("login", "login"), ("signup", "signup")],
        default="login",
        help_text=_(
            "signup: the code is for auth/register/; if the number already has an account, the SMS says so "
            "(the answer does not) and the code logs in with auth/token/."
        ),
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(read_only=True)


class RegisterSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=30)
    code = serializers.CharField(max_length=10)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    name = TextSerializerField(max_length=100)


class TokenRequestSerializer(serializers.Serializer):
    """One of: phone + password, phone + code, username + password."""

    phone = serializers.CharField(max_length=30, required=False)
    username = serializers.CharField(max_length=150, required=False)
    password = serializers.CharField(
        max_length=128, required=False, trim_whitespace=False, style={"input_type": "password"}
    )
    code = serializers.CharField(max_length=10, required=False)

    def validate(self, attrs):
        login = attrs.get("phone") or attrs.get("username")
        if not login:
            raise serializers.ValidationError({"phone": [_("Enter your mobile number or username.")]})
        if attrs.get("username") and not attrs.get("password"):
            raise serializers.ValidationError({"password": [_("Enter your password.")]})
        if not attrs.get("password") and not attrs.get("code"):
            raise serializers.ValidationError({"password": [_("Enter your password or a code sent by SMS.")]})
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
    user = MeSerializer(read_only=True)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class PasswordResetSerializer(serializers.Serializer):
    """A forgotten password: a code from POST /api/v1/auth/sms-code/ and the new password."""

    phone = serializers.CharField(max_length=30)
    code = serializers.CharField(max_length=10)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
