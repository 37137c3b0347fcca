import pytest

from assessments.models import Round
from assessments.services import round_result_compute
from organizations.models import Team
from tests.assessments.builders import answered_round


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
    round_result_compute(round=acme_round)
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
    bob.memberships.get().teams.add(tiny)
    Round.objects.filter(pk=acme_round.pk).update(shared_with_members=True)
    answered_round(acme_round, [{"monitoring-drift": 4}] * 2, teams=[tiny, tiny])
    round_result_compute(round=acme_round)
    client.force_login(bob)

    html = client.get(summary_url(acme_round)).content.decode()

    assert "Fewer than 5 responses" in html and "4.0</td>" not in html
