"""scraper: watch and capture JavaScript-rendered pages as clean, diffable records."""

__version__ = "0.1.0"

from loguru import logger

# A library logs nothing unless asked: the CLI (or an embedding program) enables "scraper".
logger.disable("scraper")
