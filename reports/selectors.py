"""Reads for dashboards. A dashboard shows the stored round result: it never aggregates."""

from dataclasses import dataclass

from assessments.models import Dimension, Round, RoundResult
from assessments.selectors import round_get
from assessments.survey import survey_layout
from organizations.models import Organization


@dataclass(frozen=True)
class Dashboard:
    round: Round
    result: RoundResult | None
    previous: dict | None
    dimensions: dict[str, Dimension]
    question_texts: dict[str, str]


def round_dashboard(*, organization: Organization, public_id) -> Dashboard:
    """The round, its current result, the previous comparable round's principle levels (kept in
    the result's trend) and the questionnaire's dimension texts: a fixed number of queries,
    whatever the number of respondents."""
    round = round_get(organization=organization, public_id=public_id)
    result = round.results.filter(is_current=True).first()
    dimensions = {
        dimension.key: dimension
        for dimension in Dimension.objects.filter(questionnaire_id=round.questionnaire_id)
    }
    layout = survey_layout(round.questionnaire_id)
    return Dashboard(
        round=round,
        result=result,
        previous=(result.data.get("trend") if result else None),
        dimensions=dimensions,
        question_texts={key: question.text for key, question in layout.by_key.items()},
    )
