from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.questionnaire_loader import (
    QUESTIONNAIRE_FILES,
    QuestionnaireError,
    questionnaire_load,
)


class Command(BaseCommand):
    help = (
        "Load questionnaire data files (by default every shipped one, in version order); "
        "a changed file becomes a new version."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path)

    def handle(self, *args, paths: list[Path], **options):
        for path in paths or QUESTIONNAIRE_FILES:
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
