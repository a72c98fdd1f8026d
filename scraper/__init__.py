"""scraper: watch and capture JavaScript-rendered pages as clean, diffable records."""

__version__ = "0.1.0"
