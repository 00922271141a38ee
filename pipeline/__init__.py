"""wirefeed's pipeline: options, the graph (build.py) and the entry point (main.py)."""
__version__ = "0.1.0"
