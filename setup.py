"""wirefeed: news wire feeds -> clean, deduplicated, enriched, partitioned stories.

`--setup_file ./setup.py` installs the same code and dependencies on Dataflow workers.
"""
import re
from pathlib import Path

from setuptools import find_packages, setup

VERSION = re.search(r'__version__ = "([^"]+)"', Path(__file__).with_name("pipeline").joinpath(
    "__init__.py").read_text()).group(1)

REQUIRES = [
    "apache-beam>=2.77.0",      # the pipeline model and runners, FileSystems, Parquet IO
    "feedparser>=6.0.11",       # RSS/Atom/RDF parsing
    "langdetect>=1.0.9",        # language identification
    "listparser>=0.20",         # OPML feed lists
    "urllib3>=2.2",             # HTTP client: connection pooling (wirefeed adds deadlines, retries, guards)
    "w3lib>=2.1",               # URL canonicalisation
    "lxml>=5.0",                # HTML -> text
    "pyarrow>=16.0",            # Parquet with an explicit schema
    "numpy>=1.26",              # MinHash signatures for near-duplicate detection
    "brotli>=1.1",              # br content-encoding (the fetcher asks for br only when it imports)
    "ftfy>=6.3",                # repairs double-encoded UTF-8 ("ActualitÃ©s") in feed text (charset.py);
                                # 6.x: fix_encoding with its badness heuristic, no false positives measured
    "trafilatura>=2.0",         # --fetch-articles: an article page's main text, from the HTML string (no network)
    "protego>=0.4",             # --fetch-articles: robots.txt rules (RFC 9309, wildcards, Allow/Disallow)
    "matplotlib>=3.8",          # the run report's plots: Agg backend, inline SVG (svg.hashsalt: same bytes)
    "rich>=13.0",               # the progress line on a terminal (Live, transient)
]

setup(
    name="wirefeed",
    version=VERSION,
    description="News wire feeds to clean, deduplicated, enriched, partitioned stories (Apache Beam)",
    long_description=Path(__file__).with_name("README.md").read_text(encoding="utf-8")
    if Path(__file__).with_name("README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["pipeline", "pipeline.*", "transforms", "transforms.*"]),
    install_requires=REQUIRES,
    extras_require={
        "test": ["pytest>=8.0", "pytest-timeout>=2.3",
                 "scikit-learn>=1.3",   # a second, independent ARI for the cluster metrics' test
                 # runner tests: Dataflow translation and gs:// (gcp), and a loopback GCS for
                 # Beam's gs:// FileSystem (tests/pipeline/test_runners.py)
                 "apache-beam[gcp]>=2.77.0", "gcp-storage-emulator>=2026.7.19",
                 # the run report in a real headless browser (Debian chromium + chromedriver)
                 "selenium>=4.20"],
        "gcp": ["apache-beam[gcp]>=2.77.0"],     # gs:// paths, DataflowRunner
        "aws": ["apache-beam[aws]>=2.77.0"],     # s3:// paths
    },
    entry_points={"console_scripts": ["wirefeed=pipeline.main:main"]},
)
