"""Errors a user can cause. The CLI prints them on one line and exits non-zero."""


class LgsError(Exception):
    """A problem the user can act on; its message is fit to print as is."""

    exit_code = 1


class RefusedFile(LgsError):
    """A file that is not a retail file at all: refused whole, nothing written."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: refused: {reason}")
        self.path = path
        self.reason = reason
