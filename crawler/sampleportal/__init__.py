"""The local sample portal and the synthetic report generator.

`SamplePortal` serves the sample sites (see docs/architecture.md); `generate_reports` makes the project's
own reports with known values, used by the parser tests and served by the portal.
"""

from .generator import SyntheticPage, SyntheticReport, generate_pages, generate_reports
from .server import SamplePortal
from .sites import SITE_SPECS, Site

__all__ = [
    "SITE_SPECS",
    "SamplePortal",
    "Site",
    "SyntheticPage",
    "SyntheticReport",
    "generate_pages",
    "generate_reports",
]
