"""Metrics: the store, daily rollups, the KPI registry and the computations over them."""
