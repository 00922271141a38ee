"""Typed multi-output ParDos.

Every DoFn that can fail returns its records on the main output and `DeadLetter`s on the
'dead_letter' tag (plus any other tags it declares). `TypedParDo` applies it and names each
output; the record type of each output is declared beside its name, so a step's outputs read
as a small schema (`{"stories": Story, "status": FeedStatus, "dead_letter": DeadLetter}`).
"""
from typing import Dict

import apache_beam as beam

from transforms.records import DeadLetter


class TypedParDo(beam.PTransform):
    """ParDo(dofn) -> {main_name: ..., tag: ..., 'dead_letter': ...}.

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
        return {name: out[name] for name in self._outputs}
