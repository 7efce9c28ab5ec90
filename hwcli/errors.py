"""The one exception type the CLI turns into a single line and exit status 2."""


class InputError(Exception):
    """Bad user input: a file, an option or an expression. The message names what and where."""
