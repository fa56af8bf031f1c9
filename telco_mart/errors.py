"""The project's error base: a message fit for one line on the console."""


class TelcoMartError(Exception):
    """An error the user can act on; its message names the file, row and reason."""


# Failures the input explains (bad input, a failed gate or stage), as opposed to bugs and
# transient faults: the CLI prints them on one line, Airflow fails them without retries.
EXPECTED_ERRORS = (TelcoMartError, ValueError, FileNotFoundError)
