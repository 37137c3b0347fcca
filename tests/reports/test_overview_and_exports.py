import csv
import io
import json

import pytest

from assessments.models import Round
from assessments.services import round_result_compute
from tests.assessments.builders import answered_round, closed_and_computed


@pytest.fixture
def two_rounds(acme, acme_round, questionnaire):
    answered_round(acme_round, [{"monitoring-drift": 1, "goals-kpis": [0, 2]}] * 5)
    closed_and_computed(acme_round)
    later = Round.objects.create(organization=acme, questionnaire=questionnaire, title="Autumn")
    answered_round(later, [{"monitoring-drift": 3}] * 5 + [{"monitoring-drift": "dk"}])
    closed_and_computed(later)
    return acme_round, later


@pytest.mark.django_db
def test_the_overview_shows_each_rounds_headline_score(client, lena, two_rounds):
    client.force_login(lena)

    rounds = {r.title: r for r in client.get("/o/acme/").context["rounds"]}

    assert (rounds["Spring check"].readiness, rounds["Spring check"].floor) == (1.0, 1.0)
    assert (rounds["Autumn"].readiness, rounds["Autumn"].submitted) == (3.0, 6)


@pytest.mark.django_db
@pytest.mark.parametrize("rounds_count", [2, 12])
def test_the_overview_costs_the_same_queries_for_2_or_12_rounds(
    client, lena, acme, questionnaire, rounds_count, django_assert_num_queries
):
    """Guards the N+1 of reading each round's current result for its headline score."""
    for number in range(rounds_count):
        round = Round.objects.create(
            organization=acme, questionnaire=questionnaire, title=f"{number}"
        )
        answered_round(round, [{"monitoring-drift": 2}])
        round_result_compute(round=round)
    client.force_login(lena)

    with django_assert_num_queries(4):
        client.get("/o/acme/")


@pytest.mark.django_db
def test_two_rounds_side_by_side(client, lena, two_rounds, django_assert_num_queries):
    first, second = two_rounds
    client.force_login(lena)

    with django_assert_num_queries(5):  # session, user, membership; rounds; their results
        response = client.get(f"/o/acme/compare/?a={first.public_id}&b={second.public_id}")

    monitoring = next(row for row in response.context["rows"] if row["name"] == "Monitoring")
    assert (monitoring["first"], monitoring["second"], monitoring["change"]) == (1.0, 3.0, 2.0)
    assert "+2.0" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status"),
    [("", 422), ("?a=nope&b=nope", 422), ("?a={a}&b={a}", 422), ("?a={a}&b={other}", 404)],
    ids=["missing", "not-uuids", "same-round", "unknown-round"],
)
def test_a_bad_comparison_is_refused(
    client, lena, two_rounds, globex, questionnaire, query, status
):
    foreign = Round.objects.create(organization=globex, questionnaire=questionnaire, title="G")
    client.force_login(lena)

    response = client.get(
        "/o/acme/compare/" + query.format(a=two_rounds[0].public_id, other=foreign.public_id)
    )

    assert response.status_code == status


@pytest.mark.django_db
def test_the_json_export_is_the_stored_result(client, lena, two_rounds):
    client.force_login(lena)
    round = two_rounds[1]

    response = client.get(f"/o/acme/rounds/{round.public_id}/results.json")

    assert response["Content-Disposition"] == 'attachment; filename="autumn-results.json"'
    assert json.loads(response.content) == round.results.get(is_visible=True).data


@pytest.mark.django_db
def test_the_csv_export_has_a_row_per_principle_and_question(client, lena, two_rounds):
    client.force_login(lena)

    response = client.get(f"/o/acme/rounds/{two_rounds[1].public_id}/results.csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 7 + 41
    monitoring = next(row for row in rows if row["key"] == "monitoring")
    assert (monitoring["level"], monitoring["count"], monitoring["dont_know"]) == ("3.0", "5", "1")
    drift = next(row for row in rows if row["key"] == "monitoring-drift")
    assert drift["distribution"] == "0:0;1:0;2:0;3:5;4:0"


@pytest.mark.django_db
def test_exports_of_a_round_without_results_are_refused(client, lena, acme_round):
    client.force_login(lena)

    assert client.get(f"/o/acme/rounds/{acme_round.public_id}/results.json").status_code == 409


@pytest.mark.django_db
def test_there_is_no_row_level_export(client, lena, two_rounds):
    """Rows of answers, even without names, can be matched against the published cells."""
    client.force_login(lena)

    response = client.get(f"/o/acme/rounds/{two_rounds[0].public_id}/answers.csv")

    assert response.status_code == 404
