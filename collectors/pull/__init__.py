"""Sources that Hypercare pulls from the APIs a company already runs (HTTP JSON, Prometheus…).

Each is a ``Format`` with ``files=False`` and a ``pull`` function (see ``collectors.formats``):
the same kinds, column and value mapping, ledger, quarantine and idempotency as file sources.
"""
