"""Errors raised by the readers of raw files: they say where and what is wrong."""

from __future__ import annotations

from pathlib import Path


class RawDataError(ValueError):
    """A raw file cannot be used. The message names the file, the line and/or column, and
    what was expected, so that the user can fix the file."""

    def __init__(self, path: Path | str, problem: str, line: int | None = None, column: str | None = None):
        self.path = Path(path)
        self.line = line
        self.column = column
        self.problem = problem
        where = str(self.path)
        if line is not None:
            where += f", ligne {line}"
        if column is not None:
            where += f", colonne « {column} »"
        super().__init__(f"{where} : {problem}")

    def __reduce__(self):  # raised in a worker process, re-raised intact in the parent
        return RawDataError, (self.path, self.problem, self.line, self.column)
