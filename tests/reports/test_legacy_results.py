"""Results computed before scoring v2 (no stage, rungs, team gaps or shares; challenges by
mean severity, disagreements by standard deviation) still render on the dashboard and in the
PDF: a lead's past rounds keep their reports."""

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.services import round_result_compute
from reports.models import Report
from reports.services import report_html
from tests.assessments.builders import answered_round, closed_and_computed
from tests.reports.test_dashboard import dashboard_url
from tests.reports.test_roadmap_pdf import respondent


def as_before_v2(data: dict) -> dict:
    """The same result in the shape the worker stored before scoring v2."""
    fit = data["fit"]
    return data | {
        "fit": {
            "verdict": "good-fit",
            "yes_count": fit["yes_count"],
            "questions": [
                {key: q[key] for key in ("key", "yes", "no", "majority_yes")}
                for q in fit["questions"]
            ],
            "rule": "A question counts as yes when more than 50% of its answers are yes.",
        },
        "challenges": [
            {
                "key": c["key"],
                "name": c["name"],
                "severity": 1.5,
                "count": 5,
                "reported": c["reported"],
                "inferred": c["inferred"],
            }
            for c in data["challenges"]
        ],
        "disagreements": [{"question": "collaboration-roles", "stdev": 1.9596}],
        "roadmap": {key: value for key, value in data["roadmap"].items() if key != "rungs"},
    }


@pytest.fixture
def legacy(acme_round):
    answered_round(acme_round, [respondent(index) for index in range(5)])
    result = closed_and_computed(acme_round)
    result.data = {
        key: value
        for key, value in as_before_v2(result.data).items()
        if key not in ("stage", "practices", "team_gaps")
    }
    result.save(update_fields=["data"])
    return result


@pytest.mark.django_db
def test_a_result_from_before_scoring_v2_still_renders_on_the_dashboard_and_in_the_pdf(
    client, lena, legacy
):
    client.force_login(lena)

    page = client.get(dashboard_url(legacy.round))
    html = report_html(Report(round=legacy.round, result=legacy, page_size="A4"))

    text = page.content.decode()
    assert page.status_code == 200
    assert "MLOps is a good fit" in text and "1.5" in text and " of <" not in text
    assert "sd 2.0" in text  # the old disagreement, by its standard deviation
    assert "MLOps is a good fit for you" in html and "sd 1.96" in html
    assert "Reported when the mean severity is" in html


SCHEMA_2_ONLY = ["schema", "stage", "practices", "team_gaps", "team_roadmaps", "outcomes"]


@pytest.mark.django_db
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dropped=st.sets(st.sampled_from(SCHEMA_2_ONLY)), old_shapes=st.booleans())
def test_any_mix_of_old_and_new_sections_renders_on_the_dashboard_and_in_the_pdf(
    client, lena, legacy, dropped, old_shapes
):
    """Whatever part of schema 2 a stored result lacks, and whether its sections have the old
    shapes or the new, both pages render it without a stray empty figure."""
    # The visible version is the one both pages read: its data is swapped for each example,
    # and the dashboard's rendering, kept per version, is forgotten.
    current = round_result_compute(round=legacy.round).data
    data = as_before_v2(current) if old_shapes else current
    legacy.data = {key: value for key, value in data.items() if key not in dropped}
    legacy.save(update_fields=["data"])
    cache.clear()
    client.force_login(lena)

    page = client.get(dashboard_url(legacy.round))
    html = report_html(Report(round=legacy.round, result=legacy, page_size="A4"))

    assert page.status_code == 200
    for text in (page.content.decode(), html):
        assert " of </td>" not in text and "None" not in text
