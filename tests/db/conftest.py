from dbfixtures import db_url, migrated_url, pg_empty_database  # noqa: F401 (fixtures)
