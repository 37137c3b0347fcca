"""Issue 3's figures: importing 5,000 pasted emails, and the query counts of the participation
page and the round list for 10 and 1,000 invitations (they must be equal).

    python -m bench.invitations
"""

import os
import statistics
import time

# Five imports of 5,000 into one organization: far past the daily cap, which is not measured.
os.environ["INVITATIONS_PER_DAY"] = "1000000"

from bench.harness import throwaway_database

with throwaway_database():
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from assessments.models import Invitation, Response, Round
    from assessments.questionnaire_loader import questionnaire_load
    from assessments.services import invitations_import
    from organizations.models import Membership, Organization, Team, User

    questionnaire = questionnaire_load().questionnaire
    organization = Organization.objects.create(name="Bench", slug="bench")
    teams = [Team.objects.create(organization=organization, name=f"Team {n}") for n in range(5)]
    lead = User.objects.create_user(
        email="lead@bench.example", password="x", email_confirmed_at=timezone.now()
    )
    Membership.objects.create(user=lead, organization=organization, role="lead")

    def new_round(title: str) -> Round:
        return Round.objects.create(
            organization=organization, questionnaire=questionnaire, title=title
        )

    # Import: 5,000 lines of "email,team", five runs on fresh rounds.
    text = "email,team\n" + "\n".join(f"person{n}@bench.example,Team {n % 5}" for n in range(5000))
    timings = []
    for run in range(5):
        round = new_round(f"Import {run}")
        started = time.perf_counter()
        invitations_import(round=round, text=text, by=lead)
        timings.append(time.perf_counter() - started)
        assert round.invitations.count() == 5000
    print(
        f"import 5,000 emails: median {statistics.median(timings) * 1000:.0f} ms, "
        f"min {min(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms (5 runs)"
    )

    client = Client()
    client.force_login(lead)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        return len(captured)

    for count in (10, 1000):
        Round.objects.all().delete()
        round = new_round(f"{count} invitations")
        invitations = Invitation.objects.bulk_create(
            Invitation(round=round, email=f"p{n}@bench.example", team=teams[n % 5])
            for n in range(count)
        )
        Response.objects.bulk_create(
            Response(invitation=invitation, round=round, submitted_at=timezone.now())
            for invitation in invitations[: count // 2]
        )
        participation = queries(f"/o/bench/rounds/{round.public_id}/participation/")
        round_list = queries("/o/bench/")
        print(
            f"{count:>5} invitations: participation page {participation} queries, "
            f"round list {round_list} queries"
        )
