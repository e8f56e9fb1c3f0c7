"""Great Expectations suites, one per entity, built from the entity catalogue.

Each expectation is paired with the quarantine rule it enforces. Expectations with ``quarantine=False``
only warn (unknown enumeration values are kept as given, SPEC §1).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import itertools
import os
import sys
from typing import TYPE_CHECKING, Any

from cx_pipeline.entities import Entity
from cx_pipeline.extracts import SOURCE_FILE

if TYPE_CHECKING:
    import great_expectations as gx

PARSES = "__parses"
"""Suffix of the boolean column that says whether a present value parsed as its declared type."""
PRESENT = "__present"
"""Suffix of the column that is True where a required column has a value and null where it is empty, to
tell a missing value from an unparseable one."""

_SCORE_RANGES = {"crm__nps_responses": (0, 10)}

LARGEST_NUMBER = 1e13
"""No number may reach this magnitude. Below it a double still tells cents apart (its spacing there is
under 0.002), and the metric SQL sums money as decimal(38, 12), which holds magnitudes below 10^26: one
amount at this bound, converted at any real exchange rate (below 10^6), summed over a million items of a
period, stays below that. A larger number (``1e27``) would fail the metric query for the whole range."""
EARLIEST_TIMESTAMP = dt.datetime(1900, 1, 1)
"""No customer-experience record is older; earlier values are placeholders or typos (``0001-01-01``,
``1600-01-01``). The latest is now plus the future tolerance (``timestamp_in_future``)."""
_NON_NEGATIVE = {"ecommerce__orders": ["amount"], "crm__subscriptions": ["monthly_amount"],
                 "shopify__orders": ["total_price"], "zendesk__ticket_metrics": ["reply_time_minutes"],
                 "stripe__subscriptions": ["monthly_amount"]}
_POSITIVE = {"reference__fx_rates": ["rate_to_base"]}
"""Rules of one entity are keyed by its table: Shopify's orders are not SPEC §1's orders."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """One expectation of a suite and the rule it stands for in ``quarantine.rejected_rows``."""

    name: str
    column: str
    expectation: Any
    quarantine: bool = True


def _import_great_expectations() -> None:
    """Import Great Expectations, as if pyspark were not installed unless the process already uses it.

    GX imports pyspark when it finds it (the ``spark`` extra), to validate Spark frames; cx_pipeline hands it
    pandas frames only, and the import cost 0.6 s a process here and printed pyspark's warning about pandas
    3 on every command's stderr. A process on a Spark warehouse has imported pyspark before it validates,
    and GX then finds it as usual."""
    if "great_expectations" in sys.modules:
        return
    hidden = "pyspark" not in sys.modules
    if hidden:
        sys.modules["pyspark"] = None  # an import of pyspark now raises ImportError, which GX expects
    try:
        importlib.import_module("great_expectations.expectations")
    finally:
        if hidden:
            del sys.modules["pyspark"]


def build_rules(entity: Entity, known_currencies: set[str], now: dt.datetime, future_tolerance_hours: int) -> list[Rule]:
    _import_great_expectations()
    import great_expectations.expectations as gxe

    rules: list[Rule] = []
    for name in entity.required:
        rules.append(Rule("missing_required_value", name, gxe.ExpectColumnValuesToNotBeNull(column=name + PRESENT)))
    for column in entity.columns:
        if column.type in ("timestamp", "number", "integer", "boolean", "date"):
            rules.append(Rule(f"unparseable_{column.type}", column.name,
                              gxe.ExpectColumnValuesToBeInSet(column=column.name + PARSES, value_set=[True])))
    for name in entity.columns_of_type("number", "integer"):
        rules.append(Rule("number_out_of_range", name, gxe.ExpectColumnValuesToBeBetween(
            column=name, min_value=-LARGEST_NUMBER, max_value=LARGEST_NUMBER, strict_min=True, strict_max=True)))
    for name in entity.columns_of_type("timestamp", "date"):
        rules.append(Rule("timestamp_out_of_range", name,
                          gxe.ExpectColumnValuesToBeBetween(column=name, min_value=EARLIEST_TIMESTAMP)))
    if entity.table in _SCORE_RANGES:
        low, high = _SCORE_RANGES[entity.table]
        rules.append(Rule("score_out_of_scale", "score",
                          gxe.ExpectColumnValuesToBeBetween(column="score", min_value=low, max_value=high)))
    if entity.table == "helpdesk__surveys":
        rules += [
            Rule("invalid_scale", "scale_max", gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="scale_max", column_B="scale_min", or_equal=False, ignore_row_if="either_value_is_missing")),
            Rule("score_out_of_scale", "score", gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="score", column_B="scale_min", or_equal=True, ignore_row_if="either_value_is_missing")),
            Rule("score_out_of_scale", "score", gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="scale_max", column_B="score", or_equal=True, ignore_row_if="either_value_is_missing")),
        ]
    for name in _NON_NEGATIVE.get(entity.table, []):
        rules.append(Rule("negative_amount", name, gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0)))
    for name in _POSITIVE.get(entity.table, []):
        rules.append(Rule("non_positive_rate", name,
                          gxe.ExpectColumnValuesToBeBetween(column=name, min_value=0, strict_min=True)))
    for later, earlier in entity.ordered_pairs:
        rules.append(Rule(f"{later}_before_{earlier}", later, gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=later, column_B=earlier, or_equal=True, ignore_row_if="either_value_is_missing")))
    rules.append(Rule("duplicate_key_in_file", entity.key[0],
                      gxe.ExpectCompoundColumnsToBeUnique(column_list=[SOURCE_FILE, *entity.key])))
    # Parsed timestamps are naive UTC: compare them with a naive UTC limit.
    latest = (now.astimezone(dt.timezone.utc) + dt.timedelta(hours=future_tolerance_hours)).replace(tzinfo=None)
    for name in entity.columns_of_type("timestamp"):
        rules.append(Rule("timestamp_in_future", name,
                          gxe.ExpectColumnValuesToBeBetween(column=name, max_value=latest)))
    if entity.table != "reference__fx_rates":
        for name in entity.columns_of_type("currency"):
            rules.append(Rule("unknown_currency", name, gxe.ExpectColumnValuesToBeInSet(
                column=name, value_set=sorted(known_currencies))))
    for name, values in entity.enums.items():
        rules.append(Rule("unknown_enum_value", name,
                          gxe.ExpectColumnValuesToBeInSet(column=name, value_set=list(values)), quarantine=False))
    return rules


def columns_checked(rules: list[Rule]) -> set[str]:
    """Every column of the validated frame that some rule's expectation reads."""
    used: set[str] = set()
    for rule in rules:
        config = rule.expectation
        for name in ("column", "column_A", "column_B"):
            if getattr(config, name, None):
                used.add(getattr(config, name))
        used.update(getattr(config, "column_list", None) or [])
    return used


def _exception_message(info: dict) -> str | None:
    """GX reports an expectation that could not run in ``exception_info``, flat or keyed by metric."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    nested = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
    return str(nested[0].get("exception_message")) if nested else None


_context: "gx.data_context.AbstractDataContext | None" = None
_suite_numbers = itertools.count()


def _gx_context():
    """One ephemeral GX context per process; GX is imported here, not at module import (it costs ~4 s)."""
    global _context
    if _context is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        _import_great_expectations()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        _context = gx.get_context(mode="ephemeral")
        _context.variables.progress_bars = ProgressBarsConfig(globally=False)
        _context.data_sources.add_pandas("extracts")
    return _context


def run_suite(entity: Entity, frame, rules: list[Rule]) -> list[tuple[Rule, bool, int, list]]:
    """Validate ``frame`` against the rules' expectations.

    Returns, per rule, (rule, success, unexpected count, unexpected index values). The whole suite runs
    first for its verdicts alone; only the expectations that failed run again to list their rows. On a
    clean night that halves the time GX takes, since listing rows costs GX as much as judging them."""
    verdicts = _validate(entity, frame, rules, "BOOLEAN_ONLY")
    failed = [rule for rule, result in zip(rules, verdicts) if not result.success]
    details = dict(zip(map(id, failed), _validate(entity, frame, failed, "COMPLETE"))) if failed else {}
    outcomes = []
    for rule in rules:
        result = details.get(id(rule))
        if result is None:
            outcomes.append((rule, True, 0, []))
            continue
        found = result.result or {}
        outcomes.append((rule, bool(result.success), int(found.get("unexpected_count") or 0),
                         list(found.get("unexpected_index_list") or [])))
    return outcomes


def prepare_suites(entities: list[Entity]) -> None:
    """The GX context and a data asset for each entity, made before loads in threads of their own share them:
    each thread then only reads what GX holds."""
    for entity in entities:
        _data_asset(entity)


def _data_asset(entity: Entity):
    source = _gx_context().data_sources.get("extracts")
    try:
        return source.get_asset(entity.table)
    except LookupError:
        asset = source.add_dataframe_asset(entity.table)
        asset.add_batch_definition_whole_dataframe("all")
        return asset


def _validate(entity: Entity, frame, rules: list[Rule], result_format: str) -> list:
    """The GX results of the rules' expectations on ``frame``, in the order of ``rules``, as one batch."""
    import great_expectations as gx

    batch = _data_asset(entity).get_batch_definition("all").get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(f"{entity.table}_{next(_suite_numbers)}")
    for number, rule in enumerate(rules):
        rule.expectation.meta = {"rule_number": number}
        suite.add_expectation(rule.expectation)
    result = batch.validate(suite, result_format={"result_format": result_format})
    # GX reports results in an order of its own: match them to the rules by the number in their meta.
    results = {r.expectation_config.meta["rule_number"]: r for r in result.results}
    ordered = [results[number] for number in range(len(rules))]
    for rule, expectation_result in zip(rules, ordered):
        message = _exception_message(expectation_result.exception_info or {})
        if message:
            raise RuntimeError(f"expectation {rule.name} on {entity.table}.{rule.column} could not run: {message}")
    return ordered
