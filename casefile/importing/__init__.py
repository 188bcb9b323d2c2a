"""Agency feeds into the case file: `read_feed` a JSON or CSV file, then `import_feed` it.

See docs/feeds.md for the formats. Every row is checked before anything is written; a file with any
bad row is refused whole (ImportRefused lists each problem with its row number), and a good file is
applied in one transaction. Rows are keyed by the agency's own references, so importing the same
file twice changes nothing.
"""

from casefile.importing.common import ImportRefused, Problem
from casefile.importing.fields import FEED_KINDS
from casefile.importing.run import ImportResult, import_feed, refused_report
from casefile.importing.source import Feed, FeedFileError, parse_csv, parse_json, read_feed

__all__ = [
    "FEED_KINDS",
    "Feed",
    "FeedFileError",
    "ImportRefused",
    "ImportResult",
    "Problem",
    "import_feed",
    "parse_csv",
    "parse_json",
    "read_feed",
    "refused_report",
]
