"""A lead reads a questionnaire version before inviting anyone, in the respondents' layout."""

import pytest

from assessments.models import Answer, Response

PREVIEW = "/o/acme/questionnaires/mlops-readiness/v1/"


@pytest.mark.django_db
def test_a_lead_reads_every_question_and_nothing_can_be_saved(
    client, lena, questionnaire, django_assert_max_num_queries
):
    client.force_login(lena)

    with django_assert_max_num_queries(8):
        response = client.get(PREVIEW)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('id="q-') == 41
    assert '<fieldset class="survey preview" disabled>' in html
    assert 'method="post" action="/r/' not in html and "survey.js" not in html
    assert "Nothing you choose here is saved." in html
    assert not Response.objects.exists() and not Answer.objects.exists()


@pytest.mark.django_db
def test_an_unknown_version_is_404(client, lena, questionnaire):
    client.force_login(lena)

    assert client.get("/o/acme/questionnaires/mlops-readiness/v99/").status_code == 404
    assert client.get("/o/acme/questionnaires/no-such/v1/").status_code == 404


@pytest.mark.django_db
def test_the_round_form_and_the_round_page_link_to_the_preview(client, lena, acme_round):
    client.force_login(lena)

    new_round = client.get("/o/acme/rounds/new/").content.decode()
    round_page = client.get(f"/o/acme/rounds/{acme_round.public_id}/participation/")

    assert f'href="{PREVIEW}"' in new_round
    assert f'href="{PREVIEW}"' in round_page.content.decode()


@pytest.mark.django_db
def test_the_preview_of_v2_shows_its_40_questions_with_their_skip_answers(
    client, lena, questionnaire_v2
):
    client.force_login(lena)

    html = client.get("/o/acme/questionnaires/mlops-readiness/v2/").content.decode()

    assert html.count('id="q-') == 40
    assert "about 11 minutes" in html
    assert html.count("Doesn't apply to us") == 15
    assert "Choose up to 3." in html
