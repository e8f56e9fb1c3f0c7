"""Tickets and surveys: latest versions, timings with interpolated medians, and surveys taking their
ticket's channel, agent, team and customer (SPEC §1, §4)."""

import pytest


def _ticket(tid, created, hours_first, hours_resolved, channel, team, agent, **extra):
    import datetime as dt

    at = dt.datetime.fromisoformat(created)
    iso = lambda h: (at + dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    return {"ticket_id": tid, "created_at": iso(0), "updated_at": iso(hours_resolved), "channel": channel,
            "team": team, "agent_id": agent, "status": "solved", "first_response_at": iso(hours_first),
            "resolved_at": iso(hours_resolved), **extra}


@pytest.fixture(scope="module")
def helpdesk(scenario):
    raw, pipeline = scenario
    raw.write("crm/customers", "2026-01-31", [
        {"customer_id": "C7", "updated_at": "2026-01-31T00:00:00Z", "email": "c7@example.com",
         "segment": "enterprise"}])
    opened = {"ticket_id": "T1", "created_at": "2026-01-31T22:00:00Z", "updated_at": "2026-01-31T22:00:00Z",
              "channel": "E-mail", "team": "Billing", "agent_id": "A1", "status": "open",
              "requester_email": "C7@EXAMPLE.COM"}
    raw.write("helpdesk/tickets", "2026-01-31", [opened], fmt="jsonl")
    raw.write("helpdesk/tickets", "2026-02-02", [
        _ticket("T1", "2026-01-31T22:00:00", 4, 48, "E-mail", "Billing", "A1", requester_email="C7@EXAMPLE.COM"),
    ], fmt="jsonl")
    raw.write("helpdesk/tickets", "2026-02-05", [
        _ticket("T2", "2026-02-03T00:00:00", 1, 2, "chat", "general", "A2"),
        _ticket("T3", "2026-02-04T00:00:00", 2, 10, "chat", "general", "A2"),
        _ticket("T4", "2026-02-05T00:00:00", 10, 20, "email", "billing", "A1"),
    ], fmt="jsonl")
    raw.write("helpdesk/surveys", "2026-02-05", [
        {"response_id": "R1", "survey_type": "csat", "responded_at": "2026-02-05 10:00:00", "score": 5,
         "scale_max": 5, "ticket_id": "T2"},
        {"response_id": "R2", "survey_type": "csat", "responded_at": "2026-02-05 11:00:00", "score": 2,
         "scale_max": 5, "ticket_id": "T1"},
    ])
    pipeline.backfill("2026-01-31", "2026-02-05")
    return pipeline


def test_a_ticket_resolved_in_a_later_extract_ends_with_its_latest_version(helpdesk):
    status, resolved = helpdesk.query("select status, resolved_at from stg.helpdesk__tickets "
                                      "where ticket_id = 'T1'")[0]
    assert status == "solved" and resolved is not None
    assert helpdesk.value("tickets_created", "2026-01-01") == 1
    assert helpdesk.value("tickets_resolved", "2026-01-01") == 0
    assert helpdesk.metric("resolution_hours_median", "2026-01-01").value is None
    assert helpdesk.value("tickets_created", "2026-02-01") == 3
    assert helpdesk.value("tickets_resolved", "2026-02-01") == 4


def test_hours_medians_and_p90_interpolate(helpdesk):
    # Resolved in February: 48, 2, 10, 20 hours → median (10 + 20) / 2, p90 at rank 2.7: 20 + 0.7 × 28.
    assert helpdesk.value("resolution_hours_median", "2026-02-01") == pytest.approx(15.0)
    assert helpdesk.value("resolution_hours_p90", "2026-02-01") == pytest.approx(39.6)
    # First responses in February: 4 (T1, answered Feb 1), 1, 2, 10 → median 3, p90 4 + 0.7 × 6.
    assert helpdesk.value("first_response_hours_median", "2026-02-01") == pytest.approx(3.0)
    assert helpdesk.value("first_response_hours_p90", "2026-02-01") == pytest.approx(8.2)
    assert helpdesk.value("resolution_hours_median", "2026-02-01", dimension="agent", value="A2") == \
        pytest.approx(6.0)
    assert helpdesk.metric("first_response_hours_median", "2026-02-01").sample_size == 4


def test_channels_are_folded_and_shared(helpdesk):
    # 'E-mail' and 'email' are one channel; February: chat 2 of 3 tickets created.
    assert helpdesk.value("channel_share", "2026-02-01", dimension="channel", value="chat") == \
        pytest.approx(200 / 3)
    assert helpdesk.value("tickets_created", "2026-02-01", dimension="channel", value="email") == 1
    assert helpdesk.value("tickets_resolved", "2026-02-01", dimension="channel", value="email") == 2
    assert helpdesk.value("tickets_resolved", "2026-02-01", dimension="team", value="billing") == 2


def test_surveys_take_their_tickets_channel_agent_team_and_customer(helpdesk):
    assert helpdesk.value("csat_pct", "2026-02-01", dimension="agent", value="A2") == 100
    assert helpdesk.value("csat_pct", "2026-02-01", dimension="channel", value="chat") == 100
    assert helpdesk.value("csat_pct", "2026-02-01", dimension="team", value="billing") == 0
    # R2's ticket was raised by e-mail by customer C7 (matched case-insensitively).
    assert helpdesk.value("csat_avg", "2026-02-01", dimension="segment", value="enterprise") == 2.0
    assert helpdesk.value("csat_pct", "2026-02-01") == 50


def test_equal_updated_at_is_won_by_the_later_extract(raw, pipeline):
    version = lambda status: {"ticket_id": "T9", "created_at": "2026-03-01T08:00:00Z",  # noqa: E731
                              "updated_at": "2026-03-01T09:00:00Z", "status": status}
    raw.write("helpdesk/tickets", "2026-03-01", [version("open")])
    raw.write("helpdesk/tickets", "2026-03-03", [version("Pending")])
    raw.write("helpdesk/tickets", "2026-03-02", [version("on-hold")])
    pipeline.backfill("2026-03-01", "2026-03-03")
    assert pipeline.query("select status from stg.helpdesk__tickets")[0][0] == "pending"
