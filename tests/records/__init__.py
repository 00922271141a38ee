"""Tests of the shared base: records and their coders."""
