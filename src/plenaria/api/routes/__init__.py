"""Routers of the JSON API, each made by a factory (nothing built at import)."""
