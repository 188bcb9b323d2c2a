"""Alembic migrations for the case file (environment configured in code, see env.py)."""
