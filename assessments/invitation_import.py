"""Reading pasted invitation lists: one email per line, or CSV with an optional team column.

Every problem is reported with its line number, and a list with any problem imports nothing.
"""

import csv
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_LINES = 10_000


@dataclass(frozen=True)
class InvitationRow:
    line: int
    email: str
    team_name: str


@dataclass(frozen=True)
class ImportProblem:
    line: int
    text: str
    message: str


def parse_invitation_lines(
    text: str, *, team_names: set[str]
) -> tuple[list[InvitationRow], list[ImportProblem]]:
    """Rows to invite and the problems found. `team_names` are the teams an invitation may name
    (case-insensitive); a header line `email,team` is skipped."""
    teams_by_key = {name.casefold(): name for name in team_names}
    rows: list[InvitationRow] = []
    problems: list[ImportProblem] = []
    first_line_of: dict[str, int] = {}
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        return [], [ImportProblem(MAX_LINES + 1, "", f"At most {MAX_LINES:,} lines at a time.")]
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        fields = [field.strip() for field in next(csv.reader([line]), [])]
        email = fields[0].lower() if fields else ""
        team = fields[1] if len(fields) > 1 else ""
        if number == 1 and email == "email":
            continue
        shown = line.strip()[:120]
        if len(fields) > 2 and any(fields[2:]):
            problems.append(
                ImportProblem(number, shown, "Expected at most two columns: email,team.")
            )
            continue
        try:
            validate_email(email)
        except ValidationError:
            problems.append(ImportProblem(number, shown, "Not a valid email address."))
            continue
        if email in first_line_of:
            problems.append(
                ImportProblem(number, shown, f"Duplicate of line {first_line_of[email]}.")
            )
            continue
        first_line_of[email] = number
        if team and team.casefold() not in teams_by_key:
            problems.append(ImportProblem(number, shown, f"No team called “{team}” in this round."))
            continue
        rows.append(InvitationRow(number, email, teams_by_key.get(team.casefold(), "")))
    return rows, problems
