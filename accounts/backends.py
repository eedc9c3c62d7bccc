from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class PhoneOrUsernameBackend(ModelBackend):
    """Sign in with a username or a mobile number and a password."""

    def authenticate(self, request, username=None, password=None, phone=None, **kwargs):
        login = (phone or username or "").strip()
        if not login or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(Q(username=login) | Q(phone=login)).order_by("id").first()
        if user is None:
            User().set_password(password)  # same cost whether or not the account exists
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
