"""The embedded Scrapyd's own log: scrapyd.log in its folder, rotated, a few old files kept.

Scrapyd logs every HTTP request, and the API polls it for as long as `dataops serve` runs; a
plain stdout file would grow without end. twistd loads this factory with
`--logger dataops_spiders.runner.scrapyd_log.observer`; it runs in the Scrapyd process only.
"""

from __future__ import annotations

from twisted.logger import textFileLogObserver
from twisted.python.logfile import LogFile

LOG_NAME = "scrapyd.log"
ROTATE_BYTES = 1_000_000
KEEP_ROTATED = 5


def observer():
    """A twisted log observer writing to ./scrapyd.log (Scrapyd runs in its data folder)."""
    log_file = LogFile(LOG_NAME, ".", rotateLength=ROTATE_BYTES, maxRotatedFiles=KEEP_ROTATED)
    return textFileLogObserver(log_file)
