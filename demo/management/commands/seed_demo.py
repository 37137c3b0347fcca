import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from assessments.services import round_result_compute
from assessments.tasks import round_result_compute_task
from demo.seed import demo_seed
from reports.models import Report
from reports.services import report_request


class Command(BaseCommand):
    help = (
        "Make (or refresh) the demo organization: a lead, a closed round and an open round with "
        "answers, aggregated. With --json, print only the JSON that scripts rely on."
    )

    def add_arguments(self, parser):
        parser.add_argument("--respondents", type=int, default=40)
        parser.add_argument("--teams", type=int, default=4)
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, *args, respondents: int, teams: int, as_json: bool, **options):
        if respondents < 1 or teams < 1:
            raise CommandError("--respondents and --teams must be at least 1.")
        demo = demo_seed(respondents=respondents, teams=teams)
        for demo_round in demo.rounds:
            if demo_round.round.is_open:
                round_result_compute_task.delay(demo_round.round.pk)
            else:
                # Computed here, not queued, so its roadmap can be asked for right away: the
                # demo's closed round opens with its PDF ready (or being made by the worker).
                round_result_compute(round=demo_round.round)
                report_request(round=demo_round.round, page_size=Report.PageSize.A4, by=demo.lead)
        slug = demo.organization.slug
        summary = {
            "login_url": reverse("login"),
            "lead": {"username": demo.lead.email, "password": demo.lead_password},
            "rounds": [
                {
                    "title": item.round.title,
                    "status": item.round.status,
                    "dashboard_url": reverse(
                        "reports:round-dashboard", args=[slug, item.round.public_id]
                    ),
                    "report_url": reverse(
                        "reports:round-report", args=[slug, item.round.public_id]
                    ),
                    "invitation_urls": [
                        reverse("assessments:survey", args=[invitation.token])
                        for invitation in item.pending_invitations
                    ]
                    if item.round.is_open
                    else [],
                }
                for item in demo.rounds
            ],
        }
        if as_json:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            f"Demo ready: {respondents} respondents per round in {teams} teams.\n"
            f"  Open {settings.SITE_URL}{summary['login_url']}\n"
            f"  Log in as {demo.lead.email} with password {demo.lead_password}"
        )
