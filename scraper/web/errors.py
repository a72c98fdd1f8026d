"""Errors the web layer raises on purpose: an API error `{"error", "where"}` with its status."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, message: str, where: str) -> None:
        super().__init__(message)
        self.status = status
        self.where = where


class NotFound(ApiError):
    def __init__(self, message: str, where: str) -> None:
        super().__init__(404, message, where)
