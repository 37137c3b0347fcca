import pytest
from django.utils import timezone

from assessments.models import Invitation, Response, Round


def make_rounds(organization, questionnaire, count: int) -> None:
    for number in range(count):
        round = Round.objects.create(
            organization=organization, questionnaire=questionnaire, title=f"Round {number}"
        )
        invitations = Invitation.objects.bulk_create(Invitation(round=round) for _ in range(3))
        Response.objects.create(invitation=invitations[0], round=round, submitted_at=timezone.now())


@pytest.mark.django_db
def test_round_list_shows_participation_per_round(client, bob, acme_round):
    invitations = Invitation.objects.bulk_create(Invitation(round=acme_round) for _ in range(4))
    Invitation.objects.create(round=acme_round, status=Invitation.Status.REVOKED)
    Response.objects.create(
        invitation=invitations[0], round=acme_round, submitted_at=timezone.now()
    )
    Response.objects.create(invitation=invitations[1], round=acme_round)
    client.force_login(bob)

    response = client.get("/o/acme/")

    rounds = list(response.context["rounds"])
    assert [(r.title, r.invited, r.submitted) for r in rounds] == [("Spring check", 4, 1)]
    assert b"Spring check" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 30])
def test_round_list_costs_the_same_queries_for_1_or_many_rounds(
    client, bob, acme, questionnaire, count, django_assert_num_queries
):
    """Guards the N+1 of counting invitations and responses per round, and of the
    questionnaire title shown on each row."""
    make_rounds(acme, questionnaire, count)
    client.force_login(bob)

    # session, user, membership + organization, rounds with their counts
    with django_assert_num_queries(4):
        response = client.get("/o/acme/")

    assert len(response.context["rounds"]) == count


@pytest.mark.django_db
def test_a_member_of_one_organization_lands_on_its_rounds(client, bob):
    client.force_login(bob)

    response = client.get("/")

    assert response.status_code == 302 and response["Location"] == "/o/acme/"


@pytest.mark.django_db
def test_the_survey_link_opens_for_a_live_invitation(client, acme_round):
    invitation = Invitation.objects.create(round=acme_round)

    response = client.get(f"/r/{invitation.token}/")

    assert response.status_code == 200
    assert b"Spring check" in response.content and b"Acme" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["forged-token", "x" * 43, "%00"])
def test_unknown_and_forged_tokens_are_404(client, acme_round, token):
    Invitation.objects.create(round=acme_round)

    assert client.get(f"/r/{token}/").status_code == 404


@pytest.mark.django_db
def test_a_revoked_invitation_is_404(client, acme_round):
    invitation = Invitation.objects.create(round=acme_round, status=Invitation.Status.REVOKED)

    assert client.get(f"/r/{invitation.token}/").status_code == 404


@pytest.mark.django_db
def test_pages_load_htmx_from_our_own_static_files(client):
    response = client.get("/accounts/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="/static/django_htmx/htmx' in html
    assert "unpkg" not in html and "cdn" not in html.lower()
    assert "hx-headers" in html
