"""Comments wherever the page has them: the profile's selectors, structured data, structure
detection (comment ids, repeated blocks), in the page or its comment iframes; and what the page
says about its own thread (its comment count, paged threads)."""

from scraper.extract.comments.count import thread_warnings
from scraper.extract.comments.thread import Thread, find_thread

__all__ = ["Thread", "find_thread", "thread_warnings"]
