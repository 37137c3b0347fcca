from django import forms
from django.utils import timezone

from .models import Answer, Questionnaire, Round

MAX_PASTE_CHARACTERS = 1_000_000
MAX_ANONYMOUS_LINKS = 5_000


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RoundForm(forms.ModelForm):
    """A round's settings. Once anyone has answered, the questionnaire and the anonymity
    thresholds are shown but fixed: changing them would change what the answers mean or who
    could be recognised in them."""

    LOCKED_HELP = "Fixed: people have started answering this round."

    class Meta:
        model = Round
        fields = [
            "title",
            "questionnaire",
            "teams",
            "anonymous",
            "shared_with_members",
            "score_threshold",
            "comment_threshold",
            "opens_at",
            "closes_at",
        ]
        labels = {
            "questionnaire": "Questionnaire version",
            "teams": "Teams",
            "anonymous": "Anonymous participation",
            "shared_with_members": "Share a summary with members",
            "score_threshold": "Smallest group shown in breakdowns",
            "comment_threshold": "Smallest group whose comments are shown",
            "opens_at": "Opens",
            "closes_at": "Closes",
        }
        help_texts = {
            "teams": "Leave all unticked to survey the whole organization.",
            "score_threshold": "Scores of a team or role with fewer responses are hidden. "
            "At least 3.",
            "comment_threshold": "Free-text answers of smaller groups are never shown. "
            "At least the score threshold.",
            "closes_at": "The round closes by itself at this time (organization's time zone).",
        }
        widgets = {
            "teams": forms.CheckboxSelectMultiple,
            "opens_at": DateTimeLocalInput(),
            "closes_at": DateTimeLocalInput(),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        versions = Questionnaire.objects.order_by("slug", "-version")
        self.fields["questionnaire"].queryset = versions
        self.fields["questionnaire"].empty_label = None
        if not self.instance.pk:
            # A new round asks the newest version; older ones stay for comparing with the past.
            self.fields["questionnaire"].initial = versions.first()
        self.fields["teams"].queryset = organization.teams.order_by("name")
        self.fields["teams"].to_field_name = "public_id"
        self.fields["title"].widget.attrs["autofocus"] = True
        round = self.instance
        if round.pk and Answer.objects.filter(response__round=round).exists():
            for name in ("questionnaire", "score_threshold", "comment_threshold"):
                self.fields[name].disabled = True
                self.fields[name].help_text = self.LOCKED_HELP
            if round.anonymous:
                self.fields["anonymous"].disabled = True
                self.fields[
                    "anonymous"
                ].help_text = (
                    "Fixed: people answered this round as anonymous, so it stays anonymous."
                )
        elif round.pk and round.opened_at:
            self.fields["questionnaire"].disabled = True
            self.fields["questionnaire"].help_text = "Fixed: the round has been opened."

    def clean(self):
        data = super().clean()
        score, comment = data.get("score_threshold"), data.get("comment_threshold")
        if score is not None and comment is not None and comment < score:
            self.add_error("comment_threshold", f"Must be at least the score threshold ({score}).")
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", "The round must close after it opens.")
        if closes_at and closes_at <= timezone.now() and "closes_at" in self.changed_data:
            self.add_error("closes_at", "Pick a time in the future.")
        return data


class InvitationEmailsForm(forms.Form):
    emails = forms.CharField(
        label="Email addresses",
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "ana@example.com\nbo@example.com"}),
        max_length=MAX_PASTE_CHARACTERS,
        help_text="One per line. Or paste CSV with a team column: email,team",
    )


class InvitationLinksForm(forms.Form):
    count = forms.IntegerField(
        label="Number of anonymous links", min_value=1, max_value=MAX_ANONYMOUS_LINKS, initial=10
    )
