"""Extraction: rendered HTML + a profile -> the Record. Pure, so it is tested on plain strings."""

from scraper.extract.core import extract
from scraper.extract.page import PageContent

__all__ = ["PageContent", "extract"]
