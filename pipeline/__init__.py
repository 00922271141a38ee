"""wirefeed's pipeline: options, the graph (build.py), the entry point (main.py), the run report and
terminal views (report/)."""
__version__ = "0.1.0"


def _quiet_optional_beam_imports() -> None:
    """Beam logs 'apitools not found …' on the root logger when its optional BigQuery client is
    absent (wirefeed never uses it); a user should not see it on every run."""
    import logging

    class _Drop(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            return not str(record.msg).startswith("apitools not found")

    logging.getLogger().addFilter(_Drop())


_quiet_optional_beam_imports()
