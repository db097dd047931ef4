"""What can go wrong in the store, each with a message written for the person who sees it."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot do what was asked; the message says why."""


class StoreUnavailable(StoreError):
    """The database cannot be reached, or went away."""


class SchemaOutdated(StoreError):
    """The database's schema is older than this code: `dataops db upgrade` brings it up."""


class DatasetNotFound(StoreError):
    pass


class VersionNotFound(StoreError):
    pass


class VersionNotCommitted(StoreError):
    """A committed version was required (diff, export) and this one is not."""


class DatasetBusy(StoreError):
    """Another live process is writing a version of the same dataset."""


class VersionConflict(StoreError):
    """The version being written is no longer open (another run reverted it)."""
