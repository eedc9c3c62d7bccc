"""What every form that shows a service's error shares: the one place a domain error
becomes form errors (the API maps the same errors in mediation.api)."""

from mediation.errors import DomainError


class DomainErrorsMixin:
    """Show a domain error on the form: on the fields it names, else above the form."""

    def add_domain_error(self, exc: DomainError) -> None:
        placed = False
        for field, messages in (getattr(exc, "fields", None) or {}).items():
            # A field the form does not show (a service's own name for it) goes above the form.
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, str(message))
                placed = True
        if not placed:
            self.add_error(None, str(exc.message))
