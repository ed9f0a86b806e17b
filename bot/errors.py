"""Errors that carry a message for the user (shown to them as a short private reply)."""


class UserError(Exception):
    """The user's input can't be used; the message says what to do instead."""
