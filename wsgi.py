"""Process entry points.

- gunicorn: ``gunicorn wsgi:app``
- Celery: ``celery -A wsgi:celery_app worker`` and ``celery -A wsgi:celery_app beat``
"""

from portal import create_app

app = create_app()
celery_app = app.extensions["celery"]
