"""The daemon behind `scraper run`: dispatching checks within limits, executors, windows, display."""
