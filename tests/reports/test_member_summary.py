import pytest

from assessments.models import Round
from organizations.models import Team
from tests.assessments.builders import answered_round, closed_and_computed


@pytest.fixture
def shared_round(acme, acme_round, bob):
    search = Team.objects.create(organization=acme, name="Search")
    platform = Team.objects.create(organization=acme, name="Platform")
    bob.memberships.get().teams.add(search)
    acme_round.score_threshold = 3
    acme_round.shared_with_members = True
    acme_round.save()
    answered_round(
        acme_round,
        [{"monitoring-drift": v} for v in (1, 1, 1, 3, 3, 3)],
        teams=[search] * 3 + [platform] * 3,
    )
    closed_and_computed(acme_round)
    return acme_round


def summary_url(round: Round) -> str:
    return f"/o/acme/rounds/{round.public_id}/summary/"


@pytest.mark.django_db
def test_a_member_sees_the_round_and_only_their_own_team(client, bob, shared_round):
    client.force_login(bob)

    response = client.get(summary_url(shared_round))

    html = response.content.decode()
    assert response.status_code == 200
    assert [cell["name"] for cell in response.context["teams"]] == ["Search"]
    assert '<td class="num heat-1">1.0</td>' in html and "Platform" not in html


@pytest.mark.django_db
def test_a_member_cannot_see_an_unshared_round(client, bob, shared_round):
    Round.objects.filter(pk=shared_round.pk).update(shared_with_members=False)
    client.force_login(bob)

    response = client.get(summary_url(shared_round))

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_members_small_team_stays_suppressed(client, bob, acme, acme_round):
    tiny = Team.objects.create(organization=acme, name="Tiny")
    big = Team.objects.create(organization=acme, name="Big")
    bob.memberships.get().teams.add(tiny)
    Round.objects.filter(pk=acme_round.pk).update(shared_with_members=True)
    answered_round(
        acme_round,
        [{"monitoring-drift": 4}] * 2 + [{"monitoring-drift": 0}] * 5,
        teams=[tiny] * 2 + [big] * 5,
    )
    closed_and_computed(acme_round)
    client.force_login(bob)

    html = client.get(summary_url(acme_round)).content.decode()

    assert "Not shown, to keep answers anonymous" in html and "4.0</td>" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Round.Status.OPEN, Round.Status.CLOSED])
def test_a_member_sees_no_figure_of_a_shared_round_below_the_threshold(
    client, bob, acme, acme_round, status
):
    """The attack: a shared round with 2 answers would show those 2 people's answers."""
    Round.objects.filter(pk=acme_round.pk).update(shared_with_members=True)
    answered_round(acme_round, [{"monitoring-drift": 4, "fit-production": 1}] * 2)
    result = closed_and_computed(acme_round)
    Round.objects.filter(pk=acme_round.pk).update(status=status)
    client.force_login(bob)

    html = client.get(summary_url(acme_round)).content.decode()

    assert not result.is_visible and "withheld" in result.data
    assert "2 of the 5 answers needed" in html
    assert "4.0" not in html and "good fit" not in html and "Monitoring" not in html
