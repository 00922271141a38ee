"""Typed multi-output ParDos.

Every DoFn that can fail returns its records on the main output and `DeadLetter`s on the
'dead_letter' tag (plus any other tags it declares). `TypedParDo` applies it and takes each
output through `Only(cls)`, which keeps the records of the declared type: the graph stays
idiomatic on every runner, and stays correct on a runner that delivers every output to every
tag (Beam 2.77's DaskRunner does, see BEAM-NOTES.md).
"""
from typing import Dict

import apache_beam as beam

from transforms.records import DeadLetter


class Only(beam.PTransform):
    """Keep the elements that are instances of `cls`."""

    def __init__(self, cls):
        super().__init__()
        self._cls = cls

    def expand(self, pcoll):
        cls = self._cls
        return pcoll | beam.Filter(lambda r: isinstance(r, cls))


class TypedParDo(beam.PTransform):
    """ParDo(dofn) -> {main_name: ..., tag: ..., 'dead_letter': ...}, each filtered by type.

    `outputs` maps output names to record types; the first is the main output.
    """

    def __init__(self, dofn: beam.DoFn, outputs: Dict[str, type], **side_inputs):
        super().__init__()
        self._dofn = dofn
        self._outputs = dict(outputs)
        self._outputs.setdefault("dead_letter", DeadLetter)
        self._side_inputs = side_inputs

    def expand(self, pcoll):
        names = list(self._outputs)
        main, tags = names[0], names[1:]
        out = pcoll | "Apply" >> beam.ParDo(self._dofn, **self._side_inputs).with_outputs(*tags, main=main)
        return {name: out[name] | f"Only_{name}" >> Only(cls) for name, cls in self._outputs.items()}
