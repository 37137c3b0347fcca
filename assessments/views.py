from http import HTTPStatus
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.ratelimits import token_misses_limited
from organizations.models import Membership
from organizations.tenancy import organization_view

from .forms import InvitationEmailsForm, InvitationLinksForm, RoundForm
from .models import Round
from .selectors import (
    ScreenState,
    invitation_by_token,
    invitation_for_answers,
    invitation_get,
    invitation_page,
    participation,
    questionnaire_get,
    questionnaire_versions,
    round_get,
    round_overview,
    screen_state,
)
from .services import (
    AnswerTarget,
    InvitationImportError,
    SurveyClosed,
    answer_save,
    answer_save_known,
    answer_targets,
    answers_save,
    invitation_revoke,
    invitations_create_anonymous,
    invitations_import,
    invitations_retry,
    response_submit,
    round_close,
    round_create,
    round_open,
    round_recompute,
    round_remind,
    round_reopen,
    round_result_out_of_date,
    round_update,
)
from .survey import InvalidAnswer, parse_answer, survey_layout
from .survey_page import (
    SurveyPosition,
    saved_answers,
    sections_html,
    survey_states,
)
from .survey_screen import FrameKey, next_unanswered_html, notices_html, screen_html


@organization_view()
@require_GET
def round_list_view(request: HttpRequest) -> HttpResponse:
    rounds = round_overview(organization=request.organization, membership=request.membership)
    return render(request, "assessments/round_list.html", {"rounds": rounds})


@organization_view(role=Membership.Role.LEAD)
@require_GET
def questionnaire_preview(
    request: HttpRequest, questionnaire_slug: str, version: int
) -> HttpResponse:
    """A questionnaire version as respondents see it, for a lead to read before inviting
    anyone. Its inputs are disabled: nothing is saved, and no request leaves the page."""
    questionnaire = questionnaire_get(slug=questionnaire_slug, version=version)
    layout = survey_layout(questionnaire.pk)
    context = {
        "questionnaire": questionnaire,
        "versions": questionnaire_versions(),
        "layout": layout,
        "sections": sections_html(survey_states(layout, [])),
        "total": len(layout.by_key),
    }
    return render(request, "assessments/questionnaire_preview.html", context)


@organization_view(role=Membership.Role.LEAD)
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        round = round_create(
            organization=request.organization, by=request.user, fields=dict(form.cleaned_data)
        )
        messages.success(request, "Round created. Invite people, then open it.")
        return redirect_to_participation(request, round)
    status = HTTPStatus.UNPROCESSABLE_ENTITY if form.errors else 200
    return render(request, "assessments/round_form.html", {"form": form}, status=status)


@organization_view(role=Membership.Role.LEAD)
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    form = RoundForm(request.POST or None, instance=round, organization=request.organization)
    status = 200
    closed = round.status == Round.Status.CLOSED
    if closed:
        # Shown read-only with the reason, and a post changes nothing. (An error added to the
        # form here failed: a form has no cleaned data before it is validated.)
        for field in form.fields.values():
            field.disabled = True
        status = HTTPStatus.CONFLICT if request.method == "POST" else 200
    elif request.method == "POST":
        if form.is_valid():
            try:
                round_update(round=round, fields=dict(form.cleaned_data))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Round saved.")
                return redirect_to_participation(request, round)
        status = HTTPStatus.UNPROCESSABLE_ENTITY
    context = {"form": form, "round": round, "closed": closed}
    return render(request, "assessments/round_form.html", context, status=status)


def redirect_to_participation(request: HttpRequest, round: Round) -> HttpResponse:
    return redirect(
        "assessments:round-participation",
        organization_slug=request.organization.slug,
        round_id=round.public_id,
    )


def participation_page(
    request: HttpRequest, round: Round, *, status: int = 200, partial: str = "round-admin", **forms
) -> HttpResponse:
    """The participation page, or one of its parts for htmx, with any bound forms passed in."""
    figures = participation(round=round)
    context = {
        "round": round,
        "participation": figures,
        "people": None
        if round.anonymous
        else invitation_page(round=round, page=request.GET.get("page")),
        "emails_form": forms.get("emails_form") or InvitationEmailsForm(),
        "links_form": forms.get("links_form") or InvitationLinksForm(),
        "import_problems": forms.get("import_problems", []),
        "new_links": forms.get("new_links", []),
        "confirm_close": forms.get("confirm_close", False),
        "not_submitted": max(0, figures.total.invited - figures.total.submitted),
        "out_of_date": round.status != Round.Status.DRAFT and round_result_out_of_date(round=round),
    }
    template = "assessments/round_participation.html"
    if request.htmx:
        template += f"#{partial}"
    return render(request, template, context, status=status)


@organization_view(role=Membership.Role.LEAD)
@require_GET
def round_participation(request: HttpRequest, round_id: UUID) -> HttpResponse:
    """Who has been invited and how far they got. htmx polls the counts while the round is open."""
    round = round_get(organization=request.organization, public_id=round_id)
    partial = "counts" if request.htmx and request.htmx.target == "counts" else "round-admin"
    return participation_page(request, round, partial=partial)


def round_action_done(request: HttpRequest, round: Round, message: str, **forms) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return participation_page(request, round, **forms)
    return redirect_to_participation(request, round)


def round_action_refused(
    request: HttpRequest, round: Round, error: ValidationError
) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    if request.htmx:
        return participation_page(request, round, status=HTTPStatus.CONFLICT)
    return redirect_to_participation(request, round)


def round_state_action(service, message, *, sends_mail: bool = False):
    """A lead's button on a round. A service that sends mail is told who acts (`by`); a
    `message` that is a callable words the service's result."""

    @organization_view(role=Membership.Role.LEAD)
    @require_POST
    def view(request: HttpRequest, round_id: UUID) -> HttpResponse:
        round = round_get(organization=request.organization, public_id=round_id)
        try:
            result = service(round=round, by=request.user) if sends_mail else service(round=round)
        except ValidationError as error:
            return round_action_refused(request, round, error)
        return round_action_done(request, round, message(result) if callable(message) else message)

    return view


round_open_view = round_state_action(
    round_open,
    lambda emailed: (
        "The round is open: "
        + (
            "1 invitation is on its way."
            if emailed == 1
            else f"{emailed} invitations are on their way."
        )
        if emailed
        else "The round is open, but nobody was emailed: invite people or make anonymous "
        "links below."
    ),
    sends_mail=True,
)


@organization_view(role=Membership.Role.LEAD)
@require_POST
def round_close_view(request: HttpRequest, round_id: UUID) -> HttpResponse:
    """Closing ends answering for everyone, so on an open round the first press only asks,
    saying how many have not submitted; the confirmation closes. (Any other state is refused
    by the service, as before.)"""
    round = round_get(organization=request.organization, public_id=round_id)
    if round.is_open and request.POST.get("confirm") != "yes":
        return participation_page(request, round, confirm_close=True)
    try:
        round_close(round=round)
    except ValidationError as error:
        return round_action_refused(request, round, error)
    return round_action_done(request, round, "The round is closed; results are being computed.")


round_reopen_view = round_state_action(round_reopen, "The round is open again.")
round_remind_view = round_state_action(
    round_remind,
    lambda due: (
        f"Reminders are on their way to {due} {pluralize_people(due)}."
        if due
        else "Everyone not done yet was reminded in the last 24 hours: nobody gets two a day."
    ),
    sends_mail=True,
)
invitations_retry_view = round_state_action(
    invitations_retry,
    lambda retried: f"Sending {retried} invitation{'s' if retried != 1 else ''} again.",
    sends_mail=True,
)


def pluralize_people(count: int) -> str:
    return "person" if count == 1 else "people"


round_recompute_view = round_state_action(
    round_recompute, "The results are being computed again; the dashboard shows them shortly."
)


@organization_view(role=Membership.Role.LEAD)
@require_POST
def invitations_add(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    form = InvitationEmailsForm(request.POST)
    problems = []
    if form.is_valid():
        try:
            invitations = invitations_import(
                round=round, text=form.cleaned_data["emails"], by=request.user
            )
        except InvitationImportError as error:
            problems = error.problems
            form.add_error(
                "emails",
                f"Nothing was imported: {len(problems)} "
                + ("line needs" if len(problems) == 1 else "lines need")
                + " fixing.",
            )
        except ValidationError as error:
            return round_action_refused(request, round, error)
        else:
            count = len(invitations)
            return round_action_done(request, round, f"Invited {count} {pluralize_people(count)}.")
    return participation_page(
        request,
        round,
        status=HTTPStatus.UNPROCESSABLE_ENTITY,
        emails_form=form,
        import_problems=problems,
    )


@organization_view(role=Membership.Role.LEAD)
@require_POST
def invitation_links_add(request: HttpRequest, round_id: UUID) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    form = InvitationLinksForm(request.POST)
    if not form.is_valid():
        return participation_page(
            request, round, status=HTTPStatus.UNPROCESSABLE_ENTITY, links_form=form
        )
    try:
        links = invitations_create_anonymous(round=round, count=form.cleaned_data["count"])
    except ValidationError as error:
        return round_action_refused(request, round, error)
    # The links are shown once, right here, for the lead to copy; they are not listed again.
    messages.success(request, f"Made {len(links)} anonymous links.")
    return participation_page(request, round, new_links=links)


@organization_view(role=Membership.Role.LEAD)
@require_POST
def invitation_revoke_view(
    request: HttpRequest, round_id: UUID, invitation_id: UUID
) -> HttpResponse:
    round = round_get(organization=request.organization, public_id=round_id)
    invitation = invitation_get(round=round, public_id=invitation_id)
    invitation_revoke(invitation=invitation)
    return round_action_done(request, round, f"Revoked the invitation of {invitation}.")


def survey_context(invitation, layout, answers) -> dict:
    round = invitation.round
    response = getattr(invitation, "response", None)
    return {
        "invitation": invitation,
        "round": round,
        "organization": round.organization,
        "layout": layout,
        "position": SurveyPosition.of(layout, answers),
        "submitted": bool(response and response.submitted_at),
    }


def closed_notice(round: Round) -> str:
    if round.status == Round.Status.DRAFT:
        return "This survey has not opened yet."
    return "This survey has closed. Thank you: the answers you saved are kept."


def survey_closed_page(request, invitation, *, status=200, message="") -> HttpResponse:
    context = {
        "invitation": invitation,
        "round": invitation.round,
        "organization": invitation.round.organization,
        "layout": survey_layout(invitation.round.questionnaire_id),
        "closed": message or closed_notice(invitation.round),
    }
    return render(request, "assessments/survey_closed.html", context, status=status)


def section_page(request, screen: ScreenState, index: int, *, status=200, errors=None):
    """One screen: its frame, shared by everyone on this screen of this round, filled in with
    this respondent's answers and counts (see survey_screen)."""
    layout = survey_layout(screen.questionnaire_id)
    section, states = survey_states(
        layout, screen.answers, errors=errors, posted=request.POST if errors else None
    )[index]
    position = SurveyPosition.of(layout, screen.answers)
    key = FrameKey(
        questionnaire_id=screen.questionnaire_id,
        section_index=index,
        organization_name=screen.organization_name,
        title=screen.round_title,
        score_threshold=screen.score_threshold,
        comment_threshold=screen.comment_threshold,
        closes_at=screen.closes_at,
    )
    values = {
        "csrf_token": get_token(request),
        "notices": notices_html(submitted=screen.submitted, has_errors=bool(errors)),
        "section_answered": str(sum(state.answered for state in states)),
        "answered_count": str(position.answered_count),
        # The rest of the survey, so the page can keep the whole count current as it changes.
        "answered_elsewhere": str(position.answered_count - position.section_counts(section)[0]),
        "questions": sections_html([(section, states)])[0][1],
        "next_unanswered": next_unanswered_html(position.next_unanswered(after=index)),
    }
    return HttpResponse(screen_html(key, values), status=status)


def review_page(request, invitation, *, status=200) -> HttpResponse:
    layout = survey_layout(invitation.round.questionnaire_id)
    context = survey_context(invitation, layout, saved_answers(invitation))
    position = context["position"]
    context["sections"] = [
        (section, *position.section_counts(section)) for section in layout.sections
    ]
    return render(request, "assessments/survey_review.html", context, status=status)


@never_cache  # it redirects to where the respondent's saved answers stop
@token_misses_limited
@require_GET
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: resume at the first section with an unanswered question, or at the
    review screen once everything is answered."""
    screen = screen_state(token=token)
    request.log_scope = (screen.organization_id, screen.round_public_id)
    if not screen.accepts_answers:
        return survey_closed_page(request, invitation_by_token(token=token))
    resume = SurveyPosition.of(
        survey_layout(screen.questionnaire_id), screen.answers
    ).next_unanswered()
    if resume is None:
        return redirect("assessments:survey-review", token=token)
    return redirect("assessments:survey-section", token=token, section_key=resume[0].key)


@never_cache  # the page holds the respondent's saved answers
@token_misses_limited
@require_http_methods(["GET", "POST"])
def survey_section(request: HttpRequest, token: str, section_key: str) -> HttpResponse:
    """One section of the survey. With JavaScript every answer is saved as it changes (see
    answer_save_view); without, this page's form saves the section and moves on, so "Save and
    continue" is true either way."""
    screen = screen_state(token=token)
    request.log_scope = (screen.organization_id, screen.round_public_id)
    layout = survey_layout(screen.questionnaire_id)
    index = layout.section_at(section_key)
    if index is None:
        raise Http404("There is no such section in this survey.")
    if not screen.accepts_answers:
        status = HTTPStatus.CONFLICT if request.method == "POST" else 200
        return survey_closed_page(request, invitation_by_token(token=token), status=status)
    if request.method == "GET":
        return section_page(request, screen, index)

    answers, errors = {}, {}
    for question in layout.sections[index].questions:
        if question.key not in request.POST:
            continue
        try:
            answers[question] = parse_answer(question, request.POST.getlist(question.key))
        except InvalidAnswer as error:
            errors[question.key] = str(error)
    if errors:
        return section_page(
            request, screen, index, status=HTTPStatus.UNPROCESSABLE_ENTITY, errors=errors
        )
    invitation = invitation_by_token(token=token)
    try:
        answers_save(invitation=invitation, answers=answers)
    except SurveyClosed as error:
        return survey_closed_page(
            request, invitation, status=HTTPStatus.CONFLICT, message=str(error)
        )
    if request.POST.get("action") == "back" and index:
        return redirect(
            "assessments:survey-section", token=token, section_key=layout.sections[index - 1].key
        )
    if index + 1 < len(layout.sections):
        return redirect(
            "assessments:survey-section", token=token, section_key=layout.sections[index + 1].key
        )
    return redirect("assessments:survey-review", token=token)


@never_cache
@token_misses_limited
@require_http_methods(["GET", "POST"])
def survey_review(request: HttpRequest, token: str) -> HttpResponse:
    """The last screen: what is still unanswered, as links to it, and the submit button."""
    invitation = invitation_by_token(token=token)
    round = invitation.round
    request.log_scope = (round.organization_id, round.public_id)
    if not round.accepts_answers:
        status = HTTPStatus.CONFLICT if request.method == "POST" else 200
        return survey_closed_page(request, invitation, status=status)
    if request.method == "GET":
        return review_page(request, invitation)
    try:
        missing = response_submit(
            invitation=invitation, layout=survey_layout(round.questionnaire_id)
        )
    except SurveyClosed as error:
        return survey_closed_page(
            request, invitation, status=HTTPStatus.CONFLICT, message=str(error)
        )
    if missing:
        # The review lists them, as links; the status says the submission was refused.
        return review_page(request, invitation, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    return redirect("assessments:survey-thanks", token=token)


@never_cache
@require_POST
def answer_save_view(request: HttpRequest, token: str, question_key: str) -> HttpResponse:
    """Save one answer (htmx, on change). Answers with a small fragment for the question's
    status line: "Saved", or why not.

    A token whose answers were saved before (answer_targets) is saved in one statement,
    without the token-miss limit: the token is known to be valid, so a guesser could learn
    nothing here, and a respondent's saves are spared the limit's two cache commands. Anything
    else (an unknown token or question, an invalid answer, a save the database refused) takes
    the full path, which says why."""
    target = answer_targets.get(token)
    if target is not None and answer_saved_directly(request, token, target, question_key):
        return answer_state(request, "Saved")
    return answer_save_looked_up(request, token, question_key)


def answer_saved_directly(
    request: HttpRequest, token: str, target: AnswerTarget, question_key: str
) -> bool:
    question = survey_layout(target.questionnaire_id).by_key.get(question_key)
    if question is None:
        return False
    try:
        answer = parse_answer(question, request.POST.getlist(question_key))
    except InvalidAnswer:
        return False
    request.log_scope = (target.organization_id, target.round_public_id)
    return answer_save_known(token=token, target=target, question=question, answer=answer)


@token_misses_limited
def answer_save_looked_up(request: HttpRequest, token: str, question_key: str) -> HttpResponse:
    invitation = invitation_for_answers(token=token)
    request.log_scope = (invitation.round.organization_id, invitation.round.public_id)
    question = survey_layout(invitation.round.questionnaire_id).by_key.get(question_key)
    if question is None:
        return answer_state(request, "There is no such question in this survey.", status=404)
    try:
        answer = parse_answer(question, request.POST.getlist(question_key))
        answer_save(invitation=invitation, question=question, answer=answer)
    except InvalidAnswer as error:
        return answer_state(request, str(error), status=HTTPStatus.UNPROCESSABLE_ENTITY)
    except SurveyClosed as error:
        return answer_state(request, str(error), status=HTTPStatus.CONFLICT)
    return answer_state(request, "Saved" if not answer.cleared else "Cleared")


def answer_state(request: HttpRequest, message: str, *, status: int = 200) -> HttpResponse:
    # A one-line fragment on the hottest path: built directly, not through the template engine.
    html = format_html('<span class="{}">{}</span>', "saved" if status == 200 else "error", message)
    return HttpResponse(html, status=status)


@never_cache
@token_misses_limited
@require_GET
def survey_thanks(request: HttpRequest, token: str) -> HttpResponse:
    invitation = invitation_by_token(token=token)
    request.log_scope = (invitation.round.organization_id, invitation.round.public_id)
    return render(request, "assessments/survey_thanks.html", {"invitation": invitation})
