"""Validators shared by the apps' models and forms."""

import re

from django.core.exceptions import ValidationError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def no_control_characters(value: str) -> None:
    """Names and titles go into email subjects and page titles: a line break there made every
    invitation email fail, and no name needs a tab or an invisible character."""
    if CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            "Use letters, digits and punctuation only: no line breaks, tabs or invisible "
            "characters.",
            code="control_characters",
        )


def one_line(text: str) -> str:
    """`text` fit for an email subject, whatever older data holds: control characters become
    spaces (a line break there raises BadHeaderError, and the mail never goes)."""
    return " ".join(CONTROL_CHARACTERS.sub(" ", text).split())
