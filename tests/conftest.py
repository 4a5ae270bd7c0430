import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _isolated(settings):
    """Every test: tasks run inline, a clean cache, uploads in a temp dir."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from portal.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
