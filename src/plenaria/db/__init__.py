"""The service's database: SQLAlchemy models, Alembic migrations, repositories.

Nothing here connects at import; build a :class:`Database` from the settings.
"""

from plenaria.db.base import Base, new_id, utcnow
from plenaria.db.engine import Database, make_engine, normalize_url
from plenaria.db.migrate import upgrade

__all__ = ["Base", "Database", "make_engine", "new_id", "normalize_url", "upgrade", "utcnow"]
