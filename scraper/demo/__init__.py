"""A local WordPress.com-style demo site for the README demo and the tests (`scraper.demo.site`)."""

from scraper.demo.site import DemoSite

__all__ = ["DemoSite"]
