"""Reusable widgets: PIN pad, member panel, member card, status bar."""
