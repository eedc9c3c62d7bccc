"""The peer's minimal Django project: django-helpdesk 2.6 and nothing else (bench/peer/)."""
