"""The worked examples of SPEC §4 for NPS, CSAT and CES, fed as raw files through a backfill."""

import math


def _nps_rows(scores, day="2026-01-05", channel="email"):
    return [{"response_id": f"N{i}", "customer_id": f"C{i % 9}", "responded_at": f"{day}T10:00:00Z",
             "score": s, "channel": channel} for i, s in enumerate(scores)]


def test_nps_example_and_its_interval(raw, pipeline):
    # 200 responses: 130 promoters, 30 passives, 40 detractors (SPEC §4).
    scores = [9, 10] * 65 + [7, 8] * 15 + [0, 6, 3, 5] * 10
    raw.write("crm/nps_responses", "2026-01-05", _nps_rows(scores))
    pipeline.backfill("2026-01-01", "2026-01-31")

    row = pipeline.metric("nps", "2026-01-01")
    assert row.value == 45
    assert (row.numerator, row.denominator, row.sample_size) == (90, 200, 200)
    p, d = 130 / 200, 40 / 200
    half = 1.96 * 100 * math.sqrt((p + d - (p - d) ** 2) / 200)
    assert math.isclose(row.ci_low, 45 - half) and math.isclose(row.ci_high, 45 + half)
    assert pipeline.value("nps", "2026-01-05", grain="daily") == 45
    assert pipeline.value("nps", "2026-01-01", dimension="channel", value="email") == 45


def test_csat_example(raw, pipeline):
    rows = [{"response_id": f"S{i}", "survey_type": "csat", "responded_at": "2026-02-03 09:00:00",
             "score": s, "scale_max": 5} for i, s in enumerate([5, 3, 4, 5, 1])]
    raw.write("helpdesk/surveys", "2026-02-03", rows)
    pipeline.backfill("2026-02-01", "2026-02-28")

    assert pipeline.value("csat_avg", "2026-02-01") == 3.6
    assert pipeline.value("csat_pct", "2026-02-01") == 60
    assert pipeline.value("csat_pct", "2026-02-03", grain="daily") == 60


def test_ces_example(raw, pipeline):
    scores = [1] * 20 + [2] * 15 + [3] * 5 + [4] * 5 + [5] * 5
    rows = [{"response_id": f"E{i}", "survey_type": "CES", "responded_at": "2026-02-10T12:00:00+00:00",
             "score": s, "scale_min": 1, "scale_max": 5} for i, s in enumerate(scores)]
    raw.write("helpdesk/surveys", "2026-02-10", rows, fmt="jsonl")
    pipeline.backfill("2026-02-01", "2026-02-28")

    assert pipeline.value("ces_avg", "2026-02-01") == 2.2
    assert pipeline.value("ces_easy_pct", "2026-02-01") == 70


def test_mixed_scales_are_rescaled_to_one_to_five(raw, pipeline):
    # 0–10 CSAT: 10 → 5.0 and satisfied, 7 → 3.8 and not satisfied (0.7 < 0.75), 8 → 4.2 satisfied;
    # 1–5 CSAT: 4 → 4.0 satisfied.
    rows = [
        {"response_id": "a", "survey_type": "csat", "responded_at": "2026-03-02T10:00:00Z", "score": 10,
         "scale_min": 0, "scale_max": 10},
        {"response_id": "b", "survey_type": "csat", "responded_at": "2026-03-02T10:00:00Z", "score": 7,
         "scale_min": 0, "scale_max": 10},
        {"response_id": "c", "survey_type": "csat", "responded_at": "2026-03-02T10:00:00Z", "score": 8,
         "scale_min": 0, "scale_max": 10},
        {"response_id": "d", "survey_type": "csat", "responded_at": "2026-03-02T10:00:00Z", "score": 4,
         "scale_max": 5},
    ]
    raw.write("helpdesk/surveys", "2026-03-02", rows, fmt="parquet")
    pipeline.backfill("2026-03-01", "2026-03-31")

    assert math.isclose(pipeline.value("csat_avg", "2026-03-01"), (5.0 + 3.8 + 4.2 + 4.0) / 4)
    assert pipeline.value("csat_pct", "2026-03-01") == 75


def test_a_month_without_responses_has_undefined_rates(raw, pipeline):
    raw.write("crm/nps_responses", "2026-01-05", _nps_rows([10]))
    pipeline.backfill("2026-01-01", "2026-02-28")

    empty = pipeline.metric("nps", "2026-02-01")
    assert empty.value is None and empty.sample_size == 0 and empty.denominator == 0
    assert pipeline.metric("tickets_created", "2026-02-01").value == 0


def test_time_zones_of_sources_and_reports(raw, pipeline):
    from cx_pipeline_tests.conftest import Pipeline

    raw.write("crm/nps_responses", "2026-01-05", [
        # Naive, read in Paris time: 2026-01-04 23:30 UTC, 18:30 in New York → January 4.
        {"response_id": "a", "customer_id": "c", "responded_at": "2026-01-05 00:30", "score": 10},
        # UTC 03:00 is 22:00 the day before in New York → January 4.
        {"response_id": "b", "customer_id": "c", "responded_at": "2026-01-05T03:00:00Z", "score": 0},
        # 11:00 UTC is 06:00 in New York → January 5.
        {"response_id": "c", "customer_id": "c", "responded_at": "2026-01-05T12:00:00+01:00", "score": 10},
    ])
    pipeline = Pipeline(raw.root, pipeline.warehouse.url, source_timezone="Europe/Paris",
                        reporting_timezone="America/New_York")
    pipeline.backfill("2026-01-04", "2026-01-05")
    assert pipeline.metric("nps", "2026-01-04", grain="daily").sample_size == 2
    assert pipeline.value("nps", "2026-01-04", grain="daily") == 0
    assert pipeline.value("nps", "2026-01-05", grain="daily") == 100


def test_every_file_of_a_date_belongs_to_it(raw, pipeline):
    raw.write("crm/nps_responses", "2026-01-05", _nps_rows([10, 10]))
    raw.write("crm/nps_responses", "2026-01-05", [r | {"response_id": "P" + r["response_id"]}
                                                  for r in _nps_rows([0])], part=".part2")
    raw.write("crm/nps_responses", "2026-01-05", [r | {"response_id": "J" + r["response_id"]}
                                                  for r in _nps_rows([5])], fmt="jsonl", part=".part3")
    pipeline.backfill("2026-01-05", "2026-01-05")
    row = pipeline.metric("nps", "2026-01-05", grain="daily")
    assert (row.numerator, row.sample_size) == (0, 4)
    files = pipeline.query("select count(*), sum(rows_read) from raw.extract_files")[0]
    assert tuple(files) == (3, 4)
