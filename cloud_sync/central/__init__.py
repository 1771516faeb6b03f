"""The central profile store: one FastAPI service per chain, SQLite by default, PostgreSQL in production."""
