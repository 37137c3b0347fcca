from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.questionnaire_loader import (
    DEFAULT_QUESTIONNAIRE,
    QuestionnaireError,
    questionnaire_load,
)


class Command(BaseCommand):
    help = "Load a questionnaire data file; a changed file becomes a new version."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_QUESTIONNAIRE)

    def handle(self, *args, path: Path, **options):
        try:
            result = questionnaire_load(path=path)
        except (QuestionnaireError, OSError) as error:
            raise CommandError(str(error)) from error
        questionnaire = result.questionnaire
        state = "loaded as" if result.created else "unchanged, already"
        self.stdout.write(
            f"{questionnaire.title}: {state} version {questionnaire.version} "
            f"({questionnaire.questions.count()} questions)"
        )
