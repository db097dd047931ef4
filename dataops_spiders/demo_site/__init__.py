"""A deterministic shop, journal and careers site served on 127.0.0.1 for the demo and the tests.

`python -m dataops_spiders.demo_site --port 0` prints its base URL and serves until killed;
`SiteProcess` runs it as a subprocess; `content` holds the ground truth of every page. The site
map is in the docstring of `dataops_spiders.demo_site.server`.
"""

from dataops_spiders.demo_site.process import SiteProcess

__all__ = ["SiteProcess"]
