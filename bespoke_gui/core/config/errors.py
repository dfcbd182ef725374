"""The errors a config file can raise, each one line a user can act on.

Every one is a ``ConfigError``, so a caller that only reports catches that one.
"""

from __future__ import annotations


class ConfigError(Exception):
    """A problem with a config file, said in one line a user can act on."""


class TomlSyntaxError(ConfigError):
    def __init__(self, message: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.col = col


class DuplicateKeyError(TomlSyntaxError):
    def __init__(self, key: str, line: int | None = None) -> None:
        where = f" (line {line})" if line else ""
        super().__init__(f"duplicate key {key}{where}: TOML allows each key once per table", line, None)
        self.key = key


class NotUtf8Error(ConfigError):
    pass


class ChangedOnDiskError(ConfigError):
    pass


class KeyPathError(ConfigError):
    pass


class ValueTextError(ConfigError):
    pass
