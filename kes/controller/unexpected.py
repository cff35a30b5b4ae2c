"""Logging an unexpected exception without its message.

A bug's message may quote the data it choked on (rendered args, secret values): the log gets
the exception's type and where it was raised, never its text.
"""

from __future__ import annotations

import logging
import traceback


def log(logger: logging.Logger, message: str, *args: object, exc: BaseException) -> None:
    """Log `message % args`, then the exception's type and stack, at error level."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("%s %s raised at:\n%s", message % args, type(exc).__name__, frames)
