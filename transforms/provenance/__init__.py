"""Provenance: who ran a story first, what each reprint kept, cut and added.

    sentences.py   sentence splitting (abbreviations, initials, numbers, quotes, datelines),
                   normalisation, hashes and token sets (plain Python)
    alignment.py   Copy (a story or a remembered state row as provenance sees it), sentence
                   alignment, `measure` (a reprints/ row), the origin order, `cluster_row`
    rows.py        `cluster_rows`: a cluster's clusters/ and reprints/ rows, for both modes
    batch.py       Provenance: the batch composite transform (one key per cluster)

The decision code (sentences, alignment, rows) has no Beam import: the batch transform and the
streaming dedupe's cluster step (transforms/dedupe/clusters.py) call the same functions. Imports flow one way:
provenance -> enrich (credit lines), records; dedupe -> provenance (state columns, streaming).
"""
from transforms.provenance.alignment import (
                                             NEAR_MATCH,
                                             VERBATIM,
                                             Copy,
                                             align,
                                             choose_origin,
                                             cluster_row,
                                             copy_of_row,
                                             copy_of_story,
                                             measure,
                                             pack_tokens,
                                             state_columns,
                                             unpack_tokens,
)
from transforms.provenance.batch import Provenance
from transforms.provenance.rows import cluster_of_row, cluster_rows
from transforms.provenance.sentences import normalise, sentence_hash, split_sentences

__all__ = ["NEAR_MATCH", "VERBATIM", "Copy", "Provenance", "align", "choose_origin", "cluster_of_row", "cluster_row",
           "cluster_rows", "copy_of_row", "copy_of_story", "measure", "normalise", "pack_tokens", "sentence_hash",
           "split_sentences", "state_columns", "unpack_tokens"]
