"""Errors whose message is written for the user: what went wrong and what to do.

Library code raises these; the CLI and the UI show ``str(error)`` without a traceback
(``--debug`` or ``REPORTQA_DEBUG=1`` re-raises).
"""

from __future__ import annotations

from types import ModuleType


class ReportQAError(Exception):
    """Base class: the message is shown to the user as it is."""


class ConfigError(ReportQAError):
    """Settings file or REPORTQA_* variable is wrong (unknown key, bad value)."""


class ReaderError(ReportQAError):
    """A file cannot be read as a report (empty, binary, too large, corrupt, scanned PDF…)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class NotAReportError(ReaderError):
    """The file was read, but holds no report text (a page with no report in it)."""


class IndexNotFoundError(ReportQAError):
    """No index yet at the given directory."""


class IndexMismatchError(ReportQAError):
    """The index on disk was built with other settings (embedder, chunking, schema)."""


class IndexCorruptError(ReportQAError):
    """The index directory exists but cannot be read (foreign or damaged files)."""


class UnknownReportError(ReportQAError):
    """A report id or file name that is not in the index."""


class BadQueryError(ReportQAError):
    """Empty or unusable query."""


class ModelError(ReportQAError):
    """A model file is missing or unusable, a server is unreachable or answers garbage."""


class DependencyMissingError(ReportQAError):
    """An optional library is not installed; the message names the install command."""

    def __init__(self, package: str, purpose: str, extra: str = "") -> None:
        hint = f'pip install "{package}"' if not extra else f'pip install -e ".[{extra}]"'
        super().__init__(f"{purpose} needs the Python package {package!r}, which is not installed. Run: {hint}")


def require(module: str, package: str, purpose: str) -> ModuleType:
    """Import ``module`` lazily, turning ImportError into a DependencyMissingError."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - exercised by tests with sys.modules patched
        raise DependencyMissingError(package, purpose) from exc
