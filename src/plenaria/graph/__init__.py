"""A job as a graph of steps: pure functions from stored artifacts to stored artifacts.

``options`` holds what a job is made of, ``nodes`` its shape, ``steps`` the step
functions, ``run`` the in-process executor (the Celery tasks in
``plenaria.workers`` walk the same graph).
"""
