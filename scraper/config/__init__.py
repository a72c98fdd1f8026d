"""The installation's settings, read once where a process starts and passed down."""
