"""Watches: their options declared once, checked all at once, stored and updated, and watch files."""
