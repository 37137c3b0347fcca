from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    BaseUserCreationForm,
    PasswordResetForm,
    SetPasswordMixin,
)
from django.core.cache import cache
from django.core.validators import MaxLengthValidator
from django.db import transaction

from core.validators import no_control_characters

from .models import Membership, Team, User


class LoginForm(AuthenticationForm):
    """Django's login form with its username's maximum length enforced, not only shown: a
    longer one went on to the lockout's records and broke them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))
        self.fields["password"].validators.append(MaxLengthValidator(4096))

    def clean_username(self) -> str:
        # The lookup ignores case already (User.objects.get_by_natural_key); spaces too, now.
        return self.cleaned_data["username"].strip()


class PasswordResetRequestForm(PasswordResetForm):
    """Django's form, with its email sent by the worker and at most once in 10 minutes per
    account: mailing in the request took long enough to tell which addresses have an account,
    and requests from many addresses could flood one inbox."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        from .tasks import password_reset_email_task

        user = context["user"]
        if cache.add(f"password-reset-mailed:{user.pk}", 1, timeout=600):
            transaction.on_commit(lambda: password_reset_email_task.delay(user.pk))


class SignupForm(SetPasswordMixin, forms.Form):
    """A plain form, not a model form: a model form would say that an address already has an
    account, and signing up must not tell anyone that (user_signup mails the owner instead)."""

    first_name = forms.CharField(
        label="Your name", max_length=150, required=False, validators=[no_control_characters]
    )
    email = forms.EmailField(label="Email address", max_length=254)
    organization_name = forms.CharField(
        label="Organization",
        max_length=200,
        validators=[no_control_characters],
        help_text="Your company or team; you can rename it.",
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def clean(self):
        self.validate_passwords()
        return super().clean()

    def _post_clean(self):
        super()._post_clean()
        # Django's password validators, judging the password against this person's details.
        person = User(email=self.cleaned_data.get("email", ""))
        person.first_name = self.cleaned_data.get("first_name", "")
        # Beside the password itself; only a mismatch belongs under the confirmation.
        self.validate_password_for_user(person, password_field_name="password1")


class JoinForm(BaseUserCreationForm):
    """A new account for the email an invitation was sent to; the email itself is not editable."""

    def validate_password_for_user(self, user, **kwargs):
        # Beside the password itself; only a mismatch belongs under the confirmation.
        super().validate_password_for_user(user, password_field_name="password1")

    class Meta:
        model = User
        fields = ["first_name"]
        labels = {"first_name": "Your name"}


class OrganizationForm(forms.Form):
    name = forms.CharField(
        label="Organization name", max_length=200, validators=[no_control_characters]
    )


class OrganizationInvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class TeamForm(forms.Form):
    name = forms.CharField(
        label="Team name",
        max_length=Team._meta.get_field("name").max_length,
        validators=[no_control_characters],
    )


class MembershipTeamsForm(forms.Form):
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = organization.teams.all()
        self.fields["teams"].to_field_name = "public_id"
