"""The metrics store: models, engine and versioned migrations."""

from metrics.store.engine import Store, StoreError, migrate, open_store

__all__ = ["Store", "StoreError", "migrate", "open_store"]
