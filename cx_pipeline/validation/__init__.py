"""Validation of raw extracts with Great Expectations (SPEC §3)."""
