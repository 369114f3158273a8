"""Migrations are the schema: one head, and `upgrade` from empty gives exactly the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from meetings import PROJECT_ROOT, create_app
from meetings.extensions import db
from tests.conftest import make_settings, throwaway_database


def test_there_is_exactly_one_head():
    script = ScriptDirectory(str(PROJECT_ROOT / "migrations"))
    assert len(script.get_heads()) == 1


def test_migration_files_are_date_prefixed():
    names = [p.name for p in (PROJECT_ROOT / "migrations" / "versions").glob("*.py")]
    assert names and all(name[:8].isdigit() for name in names)


def _schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(tmp_path, separate_connections):
    with throwaway_database(tmp_path, "migrations") as url:
        app = create_app(make_settings(url))
        with app.app_context():
            upgrade()
        assert _schema_differences(app) == []
        with app.app_context():
            downgrade(revision="base")
            upgrade()
            db.engine.dispose()


def test_the_suite_database_was_built_by_migrations(app, separate_connections):
    assert _schema_differences(app) == []
