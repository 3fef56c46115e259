"""The web service: FastAPI routers under /api/v1."""
