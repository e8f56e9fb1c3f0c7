"""The settings of the vendor sources (SPEC §6): CX_HUBSPOT_SEGMENT_PROPERTY and CX_QUALTRICS_QUESTIONS, read
from the environment, refused with a message naming the variable, and passed to dbt (CX_QUALTRICS_QUESTIONS
in its canonical form). A bad setting on the command line: test_operations."""

import pytest

from cx_pipeline.settings import SettingError, Settings, SurveyQuestion, survey_questions


def test_the_defaults_reach_dbt_in_canonical_form():
    environment = Settings().sql_environment()
    assert environment["CX_HUBSPOT_SEGMENT_PROPERTY"] == "lifecyclestage"
    assert environment["CX_QUALTRICS_QUESTIONS"] == "QID1=nps:0-10;QID2=csat:1-5;QID3=ces:1-7:high_is_easy"


def test_the_questions_are_read_entry_by_entry():
    assert survey_questions(" QID1=nps ; QID2=csat:1-5;QID3_1=ces:0.5-4.5;QID4=ces:1-7:low_is_easy;") == (
        SurveyQuestion("QID1", "nps", 0.0, 10.0), SurveyQuestion("QID2", "csat", 1.0, 5.0),
        SurveyQuestion("QID3_1", "ces", 0.5, 4.5), SurveyQuestion("QID4", "ces", 1.0, 7.0, low_is_easy=True))


@pytest.mark.parametrize("ces_low_is_easy, canonical", [
    (True, "QID1=nps:0-10;QID3_1=ces:0.5-4.5:low_is_easy;QID4=ces:1-7:high_is_easy;QID9=csat:0-1"),
    (False, "QID1=nps:0-10;QID3_1=ces:0.5-4.5:high_is_easy;QID4=ces:1-7:high_is_easy;QID9=csat:0-1"),
])
def test_a_ces_question_without_a_direction_takes_the_ces_setting(ces_low_is_easy, canonical):
    settings = Settings(ces_low_is_easy=ces_low_is_easy,
                        qualtrics_questions="QID1=nps:0-10;QID3_1=ces:0.5-4.5;QID4=ces:1.0-7:high_is_easy;QID9=csat:0-1")
    assert settings.sql_environment()["CX_QUALTRICS_QUESTIONS"] == canonical


def test_the_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("CX_HUBSPOT_SEGMENT_PROPERTY", "hs_segment_2")
    monkeypatch.setenv("CX_QUALTRICS_QUESTIONS", "QID7=csat:1-10")
    monkeypatch.setenv("CX_CES_LOW_IS_EASY", "false")
    settings = Settings.from_env()
    assert (settings.hubspot_segment_property, settings.qualtrics_questions) == ("hs_segment_2", "QID7=csat:1-10")
    assert settings.sql_environment()["CX_QUALTRICS_QUESTIONS"] == "QID7=csat:1-10"


@pytest.mark.parametrize("variable, value, problem", [
    ("CX_HUBSPOT_SEGMENT_PROPERTY", "life cycle", "is not a HubSpot internal property name"),
    ("CX_HUBSPOT_SEGMENT_PROPERTY", "lifecyclestage;drop", "is not a HubSpot internal property name"),
    ("CX_QUALTRICS_QUESTIONS", "QID1=nps:1-10", "has an entry 'QID1=nps:1-10': an NPS question is on the scale 0-10"),
    ("CX_QUALTRICS_QUESTIONS", "QID2=csat", "has an entry 'QID2=csat' without the scale a csat question needs"),
    ("CX_QUALTRICS_QUESTIONS", "QID2=csat:5-1",
     "has an entry 'QID2=csat:5-1' whose scale does not rise from its minimum to its maximum"),
    ("CX_QUALTRICS_QUESTIONS", "QID2=csat:3-3",
     "has an entry 'QID2=csat:3-3' whose scale does not rise from its minimum to its maximum"),
    ("CX_QUALTRICS_QUESTIONS", "QID2=csat:1-5:low_is_easy",
     "has an entry 'QID2=csat:1-5:low_is_easy': only a ces question takes a direction"),
    ("CX_QUALTRICS_QUESTIONS", "QID2=effort:1-5", "has an entry 'QID2=effort:1-5' whose family 'effort' is not nps"),
    ("CX_QUALTRICS_QUESTIONS", "Q2=csat:1-5", "has an entry 'Q2=csat:1-5' that is not <question id>=<family>"),
    ("CX_QUALTRICS_QUESTIONS", "QID3=ces:1-7:easy", "has an entry 'QID3=ces:1-7:easy' that is not"),
    ("CX_QUALTRICS_QUESTIONS", "QID1=nps;QID1=csat:1-5", "names the question QID1 more than once"),
    ("CX_QUALTRICS_QUESTIONS", ";;", "names no question"),
])
def test_a_bad_value_is_refused_naming_its_variable(monkeypatch, variable, value, problem):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError) as refused:
        Settings.from_env()
    assert str(refused.value).startswith(f"{variable}={value!r} {problem}")
