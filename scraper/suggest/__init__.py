"""`scraper profile suggest`: a draft profile for a page, from what the fallback chain finds on it."""

from scraper.suggest.draft import Draft, suggest

__all__ = ["Draft", "suggest"]
