"""The web service: FastAPI app factory, dependencies, routes under /api/v1.

``from plenaria.api.app import create_app``; nothing is built at import.
"""
