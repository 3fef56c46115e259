"""Celery workers: thin tasks around the job graph's steps (``plenaria worker``)."""
