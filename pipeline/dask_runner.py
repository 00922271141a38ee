"""A DaskRunner that keeps the partition count bounded: use it to run wirefeed on Dask.

    pip install -e '.[dask]'
    wirefeed --feeds … --output /shared/out --runner pipeline.dask_runner.BoundedDaskRunner \
        --dask_client_address tcp://SCHEDULER:8786 --dask_npartitions 4

Beam 2.77's DaskRunner translates Flatten by adding up its inputs' partitions and GroupByKey by
keeping them, so every join multiplies the number of Dask tasks (wirefeed's graph reached over
400 partitions for 47 entries and did not finish in 5 minutes). This runner swaps in a Flatten
and a GroupByKey that keep --dask_npartitions partitions; everything else is Beam's. Measured
in tests/test_dask.py: identical output to the DirectRunner on a scheduler with two workers.
"""
from __future__ import annotations


def _dask_key(item):
    return item[0]


def _dask_group_values(item):
    from apache_beam.runners.dask.transform_evaluator import defenestrate
    key, values = item
    return key, [defenestrate(v[1]) for v in values]


def _bounded_translations():
    """Beam 2.77's Dask translations, with Flatten and GroupByKey that keep the partition count
    at --dask_npartitions (stock: Flatten adds its inputs' partitions up and GroupByKey keeps
    them, so every join multiplies the tasks; see test_dask.py)."""
    import dask.bag as db
    from apache_beam.runners.dask import transform_evaluator as te
    from apache_beam.runners.dask.overrides import _Flatten, _GroupByKeyOnly

    class BoundedGroupByKey(te.DaskBagOp):
        def apply(self, input_bag, side_inputs=None):
            n = self.bag_kwargs.get("npartitions") or input_bag.npartitions
            return input_bag.groupby(_dask_key, npartitions=n).map(_dask_group_values)

    class BoundedFlatten(te.DaskBagOp):
        def apply(self, input_bag, side_inputs=None):
            out = db.concat(input_bag)
            n = self.bag_kwargs.get("npartitions")
            return out.repartition(npartitions=n) if n and out.npartitions > n else out

    table = dict(te.TRANSLATIONS)
    table[_GroupByKeyOnly] = BoundedGroupByKey
    table[_Flatten] = BoundedFlatten
    return table


try:
    from apache_beam.runners.dask.dask_runner import DaskRunner as _StockDaskRunner
except ImportError:  # dask not installed: the Dask tests skip
    _StockDaskRunner = None

if _StockDaskRunner is not None:
    class BoundedDaskRunner(_StockDaskRunner):
        """DaskRunner whose Flatten/GroupByKey keep --dask_npartitions partitions."""

        def run_pipeline(self, pipeline, options):
            from apache_beam.runners.dask import transform_evaluator as te
            saved = dict(te.TRANSLATIONS)
            te.TRANSLATIONS.update(_bounded_translations())
            try:
                return super().run_pipeline(pipeline, options)
            finally:
                te.TRANSLATIONS.clear()
                te.TRANSLATIONS.update(saved)
