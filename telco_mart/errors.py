"""The project's error base: a message fit for one line on the console."""


class TelcoMartError(Exception):
    """An error the user can act on; its message names the file, row and reason."""
