"""Coders: how wirefeed's records travel through shuffles and live in streaming state.

Beam encodes an element with the coder of its PCollection's type; wirefeed's PCollections are
mostly untyped (`Any`: lambdas, tagged outputs, CoGroupByKey unions), for which Beam picks its
fallback coder: `FastPrimitivesCoder` (a type byte, then str/int/float/bytes/list/tuple/dict/set
natively) with `PickleCoder` for anything else, so every record was a pickle — the class by
module path, the values by position or by `__dict__` with every field name. A changed class
could then no longer read what its previous version wrote (a streaming job's state after an
update).

`RecordCoder` is Beam's `FastPrimitivesCoder` whose fallback encodes wirefeed's own values
without pickle:
- a **record** (a dataclass or NamedTuple listed in `RECORDS`) is its class id (a small number
  fixed in `RECORDS`, never reused), the number of fields written, then each field whose value
  differs from its default as (a 2-byte tag derived from the field *name*, the value; a string
  equal to an earlier field's is written as a back-reference, as pickle's memo did). The
  fields come from `dataclasses.fields` / `_fields` when the class is first used: a field added
  with a default needs no edit here. Decoding starts from the class defaults and fills the
  fields it finds, so data written by an older class (a field fewer) decodes with the default
  for it, and a field the class no longer has is skipped;
- a UTC datetime (`datetime.timezone.utc`, or zoneinfo's UTC as pyarrow reads it) is its
  microseconds since the epoch, decoded in `datetime.timezone.utc` (naive ones likewise, other
  time zones by pickle), a 1-d `uint32` numpy array (a shingle set) its raw bytes, `frozenset` and
  `OrderedDict` their elements;
- anything else (an exception, a numpy scalar) still goes by pickle, as before.

It is registered as Beam's fallback coder (`register_fallback_coder`, so every `Any`
PCollection uses it) and for each record class (`register_coder`, for typed ones), and it is
the coder of every streaming state spec (`STATE_CODER`).

Determinism: `RecordCoder` is not deterministic (dict values keep insertion order), and says
so. GroupByKey keys are never records: they are strings and tuples of strings and ints, and Beam
asks a key coder for `as_deterministic_coder`, which gives Beam's own deterministic
FastPrimitivesCoder, whose encoding of those keys is unchanged. A record used as a key would be
refused by Beam (it is not frozen), not silently mis-grouped.
"""
from __future__ import annotations

import array
import collections
import dataclasses
import datetime as _dt
import importlib
import operator
import pickle
import zlib
import zoneinfo
from typing import Dict, Tuple

import numpy as np
from apache_beam import coders
from apache_beam.coders import coder_impl

__all__ = ["RECORDS", "STATE_CODER", "RecordCoder", "field_tag", "record_class", "register", "register_record", "use_pickle"]

# Class ids of the records; an id is never reused (a retired class keeps its number).
RECORDS: Dict[int, str] = {
    1: "transforms.records:Story",
    2: "transforms.records:FeedSource",
    3: "transforms.records:FeedDocument",
    4: "transforms.records:DeadLetter",
    5: "transforms.records:FeedStatus",
    6: "transforms.records:Tally",
    7: "transforms.records:ClusterEvent",
    8: "transforms.write.partitioned:PartitionWritten",
    9: "transforms.dedupe.candidates:Fingerprint",
    10: "transforms.dedupe.batch:Member",
    11: "transforms.dedupe.batch:AgencyOf",
    12: "transforms.dedupe.batch:RootSet",
    13: "transforms.dedupe.batch:Remembered",
    14: "transforms.dedupe.components:Isolated",
    15: "transforms.dedupe.components:Offer",
    16: "transforms.dedupe.components:Parent",
    17: "transforms.fetch.poll:FeedPoll",
    18: "transforms.records:ProvenanceRow",
    19: "transforms.dedupe.batch:KnownVersion",
    20: "transforms.dedupe.versions:VersionInfo",
    21: "transforms.provenance.alignment:Copy",
}

_RECORD = 1            # extension type bytes (after FastPrimitives' UNKNOWN_TYPE byte)
_UTC_DATETIME = 2
_NAIVE_DATETIME = 3
_UINT32_ARRAY = 4
_FROZENSET = 5
_ORDERED_DICT = 6
_PICKLE = 7

_NONE = object()         # "no default"
_REPEAT_MIN = 16         # shorter repeated strings are written again


class _NoDefault:
    pass


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_NAIVE_EPOCH = _dt.datetime(1970, 1, 1)
_MICROSECOND = _dt.timedelta(microseconds=1)
_UTC = _dt.timezone.utc
# UTC as other libraries spell it: pyarrow reads a timestamp column with tz "UTC" (the state
# rows every run reads back) into datetimes in zoneinfo's UTC. They travel as UTC microseconds
# and decode in datetime.timezone.utc: the same instant, and the same zone.
_UTC_ZONES = frozenset({_UTC, zoneinfo.ZoneInfo("UTC"), zoneinfo.ZoneInfo("Etc/UTC")})


def field_tag(name: str) -> int:
    """A field's tag: 16 bits of the CRC-32 of its name, written as 2 bytes."""
    return zlib.crc32(name.encode("utf-8")) & 0xFFFF


class _Layout:
    """What the coder needs of one record class: its id, its fields (name, tag, default) in
    declaration order, and how to build an instance."""

    __slots__ = ("cls", "cid", "fields", "by_tag", "defaults", "factories", "named_tuple", "compare", "tags",
                 "values")

    def __init__(self, cls, cid: int):
        self.cls, self.cid = cls, cid
        self.named_tuple = not dataclasses.is_dataclass(cls)
        self.defaults: Dict[str, object] = {}
        self.factories: Dict[str, object] = {}
        if self.named_tuple:
            names = list(cls._fields)
            self.defaults.update(cls._field_defaults)
        else:
            names = []
            for f in dataclasses.fields(cls):
                names.append(f.name)
                if f.default is not dataclasses.MISSING:
                    self.defaults[f.name] = f.default
                elif f.default_factory is not dataclasses.MISSING:
                    self.factories[f.name] = f.default_factory
        tags = [field_tag(n) for n in names]
        if len(set(tags)) != len(tags):
            clash = sorted(n for n, t in zip(names, tags) if tags.count(t) > 1)
            raise TypeError(f"{cls.__name__}: fields {clash} share a coder tag (transforms.coders.field_tag); rename one")
        self.fields = tuple(zip(names, tags))
        self.by_tag = {t: n for n, t in self.fields}
        # Per field: its default (a fresh empty container for a default_factory) and the
        # default's type, or _NONE / _NoDefault for a field without one (always written).
        self.compare = tuple((self.defaults[n], type(self.defaults[n])) if n in self.defaults else
                             (self.factories[n](), self.factories[n]) if n in self.factories else
                             (_NONE, _NoDefault) for n in names)
        self.tags = tuple(tags)
        self.values = (operator.attrgetter(*names) if len(names) > 1 else (lambda r: (getattr(r, names[0]),))
                       ) if not self.named_tuple else tuple

    def present(self, record) -> Tuple[bytes, list, bytes]:
        """The tags (2 bytes each) and the values of the fields that differ from their default,
        and the repeats: (position, earlier position) pairs (2 bytes each) of string values equal
        to an earlier one (a url that is its canonical url, a summary that is the text), whose
        value is then written as None."""
        kept = [(t, v) for t, v, (d, dt) in zip(self.tags, self.values(record), self.compare)
                if v is not d and (dt is _NoDefault or type(v) is not dt or v != d)]
        if not kept:
            return b"", [], b""
        tags, values = zip(*kept)
        values = list(values)
        seen, repeats = {}, []
        for i, v in enumerate(values):
            if type(v) is str and len(v) >= _REPEAT_MIN:
                first = seen.setdefault(v, i)
                if first != i:
                    repeats += (i, first)
                    values[i] = None
        return array.array("H", tags).tobytes(), values, array.array("H", repeats).tobytes() if repeats else b""


_BY_CLASS: Dict[type, _Layout] = {}
_BY_ID: Dict[int, _Layout] = {}


def record_class(cid: int):
    """The class of a record id (imported on first use)."""
    layout = _BY_ID.get(cid)
    if layout is None:
        layout = _layout_of_id(cid)
    return layout.cls


def _layout_of_id(cid: int) -> _Layout:
    path = RECORDS.get(cid)
    if path is None:
        raise ValueError(f"unknown record id {cid} (written by a newer wirefeed?)")
    module, _, name = path.partition(":")
    return _layout_of_class(getattr(importlib.import_module(module), name))


def _layout_of_class(cls):
    layout = _BY_CLASS.get(cls)
    if layout is None:
        path = f"{cls.__module__}:{cls.__qualname__}"
        ids = [cid for cid, p in RECORDS.items() if p == path]
        if not ids:
            return None
        layout = _BY_CLASS[cls] = _Layout(cls, ids[0])
        # Data decodes into the class registered first (the one this process defines); another
        # class of the same module path and name (a test's older version) encodes under its id.
        _BY_ID.setdefault(ids[0], layout)
    return layout


class _ExtensionImpl(coder_impl.StreamCoderImpl):
    """What FastPrimitivesCoderImpl does not encode itself (see the module docstring)."""

    def __init__(self):
        self.values = None      # the FastPrimitivesCoderImpl that uses this one as its fallback

    def encode_to_stream(self, value, out, nested):
        t = type(value)
        layout = _BY_CLASS.get(t) or (_layout_of_class(t) if t.__module__.startswith("transforms.") else None)
        if layout is not None:
            out.write_byte(_RECORD)
            out.write_var_int64(layout.cid)
            tags, values, repeats = layout.present(value)
            out.write(tags, True)
            self.values.encode_to_stream(values, out, True)
            out.write(repeats, True)
        elif t is _dt.datetime and not value.fold and (value.tzinfo is None or value.tzinfo in _UTC_ZONES):
            if value.tzinfo is None:
                out.write_byte(_NAIVE_DATETIME)
                out.write_var_int64((value - _NAIVE_EPOCH) // _MICROSECOND)
            else:
                out.write_byte(_UTC_DATETIME)
                out.write_var_int64((value - _EPOCH) // _MICROSECOND)
        elif t is np.ndarray and value.dtype == np.uint32 and value.ndim == 1:
            out.write_byte(_UINT32_ARRAY)
            out.write(value.tobytes(), True)
        elif t is frozenset:
            out.write_byte(_FROZENSET)
            self.values.encode_to_stream(list(value), out, True)
        elif t is collections.OrderedDict:
            out.write_byte(_ORDERED_DICT)
            self.values.encode_to_stream(list(value.items()), out, True)
        else:
            out.write_byte(_PICKLE)
            out.write(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), True)

    def decode_from_stream(self, stream, nested):
        kind = stream.read_byte()
        if kind == _RECORD:
            cid = stream.read_var_int64()
            layout = _BY_ID.get(cid) or _layout_of_id(cid)
            tags = array.array("H")
            tags.frombytes(stream.read_all(True))
            values = self.values.decode_from_stream(stream, True)
            repeats = array.array("H")
            repeats.frombytes(stream.read_all(True))
            for i in range(0, len(repeats), 2):
                values[repeats[i]] = values[repeats[i + 1]]
            by_tag = layout.by_tag
            found = {by_tag[t]: v for t, v in zip(tags, values) if t in by_tag}   # a dropped field: skipped
            if layout.named_tuple:
                return layout.cls(**found)
            record = layout.cls.__new__(layout.cls)
            d = record.__dict__
            d.update(layout.defaults)
            for name, factory in layout.factories.items():
                d[name] = factory()
            d.update(found)
            return record
        if kind == _UTC_DATETIME:
            return _EPOCH + _dt.timedelta(microseconds=stream.read_var_int64())
        if kind == _NAIVE_DATETIME:
            return _NAIVE_EPOCH + _dt.timedelta(microseconds=stream.read_var_int64())
        if kind == _UINT32_ARRAY:
            return np.frombuffer(stream.read_all(True), dtype=np.uint32).copy()
        if kind == _FROZENSET:
            return frozenset(self.values.decode_from_stream(stream, True))
        if kind == _ORDERED_DICT:
            return collections.OrderedDict(self.values.decode_from_stream(stream, True))
        if kind == _PICKLE:
            return pickle.loads(stream.read_all(True))
        raise ValueError(f"unknown wirefeed value type {kind}")


class _ExtensionCoder(coders.Coder):
    def _create_impl(self):
        return _ExtensionImpl()

    def is_deterministic(self):
        return False

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(type(self))


class RecordCoder(coders.FastPrimitivesCoder):
    """Beam's FastPrimitivesCoder with wirefeed's records, datetimes and shingle arrays encoded
    without pickle (module docstring)."""

    def __init__(self, fallback_coder=None):
        super().__init__(_ExtensionCoder())

    def _create_impl(self):
        extension = _ExtensionImpl()
        impl = coder_impl.FastPrimitivesCoderImpl(extension)
        extension.values = impl
        return impl

    def __reduce__(self):
        return RecordCoder, ()


STATE_CODER = RecordCoder()


def register() -> None:
    """Makes RecordCoder Beam's fallback coder and the coder of every record class (idempotent)."""
    if getattr(coders.registry, "_wirefeed_records", False):
        return
    coders.registry.register_fallback_coder(RecordCoder)
    coders.registry._wirefeed_records = True


def use_pickle() -> None:
    """Gives Beam its default coders back (FastPrimitivesCoder with PickleCoder), for the
    benchmarks that measure what RecordCoder changes (benchmarks/throughput_reference.py)."""
    from apache_beam.coders.typecoders import CoderRegistry
    coders.registry._fallback_coder = CoderRegistry()._fallback_coder
    for cls in list(_BY_CLASS):
        coders.registry._coders.pop(cls, None)
    coders.registry._wirefeed_records = False


def register_record(cls) -> Tuple[type, int]:
    """Registers a record class with Beam (typed PCollections of it use RecordCoder) and checks
    its fields' tags; called by the module that defines it."""
    layout = _layout_of_class(cls)
    if layout is None:
        raise TypeError(f"{cls.__module__}:{cls.__qualname__} has no id in transforms.coders.RECORDS")
    coders.registry.register_coder(cls, RecordCoder)
    return cls


register()
