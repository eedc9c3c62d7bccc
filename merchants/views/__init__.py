"""Merchant pages: the enrolment application and the answer to a team invitation. Pages that
show merchants with their cases are in portal/ (merchant staff) and supervision/ (the council,
the public record)."""
