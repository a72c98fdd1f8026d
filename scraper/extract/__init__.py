"""Extraction: rendered HTML + a profile -> the Record. Pure, so it is tested on plain strings."""

from scraper.extract.core import extract
from scraper.model.page import PageContent

__all__ = ["PageContent", "extract"]
