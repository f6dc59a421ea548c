"""Hypercare: the front door — command line, config loading and the demo company."""

__version__ = "0.1.0"
