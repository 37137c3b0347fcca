import pytest
from django.utils import timezone

from assessments.models import Invitation, Response, Round
from organizations.models import Team


def participation_url(round: Round) -> str:
    return f"/o/acme/rounds/{round.public_id}/participation/"


def invite(round: Round, count: int, *, team=None, submitted=0, started=0, prefix="p") -> None:
    invitations = Invitation.objects.bulk_create(
        Invitation(round=round, team=team, email=f"{prefix}{number}@acme.example")
        for number in range(count)
    )
    now = timezone.now()
    Response.objects.bulk_create(
        Response(
            invitation=invitation,
            round=round,
            team=team,
            submitted_at=now if index < submitted else None,
        )
        for index, invitation in enumerate(invitations[: submitted + started])
    )


@pytest.mark.django_db
def test_participation_is_counted_per_team_and_in_total(client, lena, acme, acme_round):
    search = Team.objects.create(organization=acme, name="Search")
    platform = Team.objects.create(organization=acme, name="Platform")
    invite(acme_round, 5, team=search, submitted=2, started=1, prefix="s")
    invite(acme_round, 3, team=platform, submitted=3, prefix="p")
    invite(acme_round, 2, submitted=0, started=1, prefix="n")
    Invitation.objects.create(round=acme_round, email="gone@acme.example", status="revoked")
    client.force_login(lena)

    response = client.get(participation_url(acme_round))

    data = response.context["participation"]
    assert [(r.team, r.invited, r.started, r.submitted, r.rate) for r in data.teams] == [
        ("Platform", 3, 3, 3, 100),
        ("Search", 5, 3, 2, 40),
        ("No team", 2, 1, 0, 0),
    ]
    total = data.total
    assert (total.invited, total.started, total.submitted, total.rate) == (10, 7, 5, 50)
    assert "5 of 10 submitted" in response.content.decode()


@pytest.mark.django_db
def test_an_anonymous_round_shows_counts_but_never_who(client, lena, acme_round):
    acme_round.anonymous = True
    acme_round.save()
    invite(acme_round, 4, submitted=2, prefix="zed-")
    client.force_login(lena)

    html = client.get(participation_url(acme_round)).content.decode()

    assert "2 of 4 submitted" in html
    assert "zed-" not in html


@pytest.mark.django_db
def test_polling_returns_only_the_counts_fragment(client, lena, acme_round):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    invite(acme_round, 2, submitted=1)
    client.force_login(lena)

    response = client.get(
        participation_url(acme_round), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="counts"
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="counts"')
    assert "<html" not in html and "1 of 2 submitted" in html
    assert 'hx-trigger="every 5s"' in html


@pytest.mark.django_db
def test_a_closed_round_stops_polling(client, lena, acme_round):
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.CLOSED)
    client.force_login(lena)

    html = client.get(participation_url(acme_round)).content.decode()

    assert "hx-trigger" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("invitations", [10, 1000])
def test_participation_page_costs_the_same_queries_for_10_or_1000_invitations(
    client, lena, acme, acme_round, invitations, django_assert_num_queries
):
    """Guards the N+1 of each invitation's team and response, and of counting per team."""
    teams = [Team.objects.create(organization=acme, name=f"Team {n}") for n in range(3)]
    for index, team in enumerate(teams):
        invite(
            acme_round, invitations // 3, team=team, submitted=index, started=1, prefix=f"t{index}-"
        )
    client.force_login(lena)

    # session, user, membership; round; scope teams; counts per team; people count + page
    with django_assert_num_queries(8):
        response = client.get(participation_url(acme_round))

    assert response.context["participation"].total.invited == 3 * (invitations // 3)


@pytest.mark.django_db
@pytest.mark.parametrize("invitations", [10, 1000])
def test_round_list_costs_the_same_queries_for_10_or_1000_invitations(
    client, lena, acme_round, invitations, django_assert_num_queries
):
    """Guards the N+1 of counting each round's invitations and submissions."""
    invite(acme_round, invitations, submitted=invitations // 2)
    client.force_login(lena)

    with django_assert_num_queries(4):
        response = client.get("/o/acme/")

    [row] = response.context["rounds"]
    assert (row.invited, row.submitted) == (invitations, invitations // 2)
