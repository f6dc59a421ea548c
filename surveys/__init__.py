"""Surveys: instruments and their scoring, feedback items, themes and the backlog."""
