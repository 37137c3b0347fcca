"""A respondent answers the survey in a real browser: with JavaScript, where every change is saved
as it happens; without it, where the page's own form saves and submits; through a failed save;
on a phone's width; and with the keyboard alone."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from assessments.models import Answer, Invitation, Response, Round
from assessments.survey import DONT_KNOW, SurveyQuestion, survey_layout
from tests.browser.conftest import failed_for_real

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
COMMENT = "Nobody owns the models once the data scientist who built them moves on."
DONT_KNOW_LABEL = "I don't know"


@pytest.fixture
def invitation(acme_round) -> Invitation:
    """An invitation to Acme's round, which is open."""
    Round.objects.filter(pk=acme_round.pk).update(status=Round.Status.OPEN)
    return Invitation.objects.create(
        round=acme_round, email="sam@acme.example", status=Invitation.Status.SENT
    )


@pytest.fixture
def questions(questionnaire) -> list[SurveyQuestion]:
    """The questionnaire's questions in page order (41 of them: 40 required, 1 free text)."""
    layout = survey_layout(questionnaire.pk)
    return [question for section in layout.sections for question in section.questions]


def survey_url(invitation: Invitation) -> str:
    return f"/r/{invitation.token}/"


def watch_for_errors(page: Page) -> tuple[list[str], list[str]]:
    """Collect the page's console errors and its failed or refused requests."""
    console_errors, failed_requests = [], []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", on_console)
    page.on(
        "requestfailed",
        lambda r: failed_for_real(r) and failed_requests.append(f"{r.url} {r.failure}"),
    )
    page.on("response", lambda r: r.status >= 400 and failed_requests.append(f"{r.url} {r.status}"))
    return console_errors, failed_requests


def plan(questions: list[SurveyQuestion]) -> dict[str, tuple[str, ...] | str]:
    """What this respondent answers: a spread of options, two ticks on multiple choice, "I don't
    know" on every fifth question that offers it, and a comment in the free text."""
    chosen = {}
    for number, question in enumerate(questions):
        if question.is_text:
            chosen[question.key] = COMMENT
        elif question.is_multiple:
            chosen[question.key] = (question.options[1].value, question.options[4].value)
        elif question.allows_dont_know and number % 5 == 0:
            chosen[question.key] = (DONT_KNOW,)
        else:
            chosen[question.key] = (question.options[number % len(question.options)].value,)
    return chosen


def label_of(question: SurveyQuestion, value: str) -> str:
    if value == DONT_KNOW:
        return DONT_KNOW_LABEL
    return next(option.label for option in question.options if option.value == value)


def question_box(page: Page, question: SurveyQuestion) -> Locator:
    return page.locator(f"#q-{question.key}")


def save_state(page: Page, question: SurveyQuestion) -> Locator:
    """The question's status line (p.save-state): "Saving…", "Saved", or why not."""
    return page.locator(f"#state-{question.key}")


def click_option(page: Page, question: SurveyQuestion, value: str) -> None:
    """Click the option's label text, as a person would."""
    question_box(page, question).get_by_text(label_of(question, value), exact=True).click()


def answer_and_wait_until_saved(page: Page, question: SurveyQuestion, answer) -> None:
    """Give one answer with JavaScript on, waiting for each save it sends and then for "Saved"."""
    saves = f"**/r/*/answers/{question.key}/"
    if question.is_text:
        with page.expect_response(saves):  # sent 800 ms after the last keystroke
            question_box(page, question).get_by_role("textbox").fill(answer)
    else:
        for value in answer:
            with page.expect_response(saves):
                click_option(page, question, value)
    expect(save_state(page, question)).to_have_text("Saved")


def expect_answered(page: Page, question: SurveyQuestion, answer) -> None:
    box = question_box(page, question)
    if question.is_text:
        expect(box.get_by_role("textbox")).to_have_value(answer)
        return
    role = "checkbox" if question.is_multiple else "radio"
    for value in answer:  # by accessible name: a label's text also holds the scale's level
        expect(box.get_by_role(role, name=label_of(question, value), exact=True)).to_be_checked()
    expect(box.locator("input:checked")).to_have_count(len(answer))


def expect_progress(page: Page, answered: int, total: int = 41) -> None:
    expect(page.get_by_role("progressbar")).to_have_accessible_name(
        f"{answered} of {total} questions answered"
    )


def expect_stored(response: Response, questions: list[SurveyQuestion], answers: dict) -> None:
    """Exactly one Answer row per answered question, each holding what was chosen."""
    by_key = {question.key: question for question in questions}
    rows = {row.question.key: row for row in response.answers.select_related("question")}
    assert sorted(rows) == sorted(answers)
    assert response.answers.count() == len(answers)
    for key, answer in answers.items():
        row, question = rows[key], by_key[key]
        if question.is_text:
            assert (row.text, row.value, row.dont_know) == (answer, None, False), key
        elif answer == (DONT_KNOW,):
            assert (row.value, row.dont_know) == (None, True), key
        elif question.is_multiple:
            assert sorted(row.chosen_values) == sorted(map(int, answer)), key
            assert row.dont_know is False, key
        else:
            assert (row.value, row.dont_know) == (int(answer[0]), False), key


@pytest.mark.browser
def test_answer_the_whole_survey_reload_midway_submit_and_change_an_answer(
    page: Page, invitation, questions
):
    console_errors, failed_requests = watch_for_errors(page)
    answers = plan(questions)
    assert (DONT_KNOW,) in answers.values()
    first_half = questions[0::2]  # includes the multiple choice and the free text
    second_half = questions[1::2]

    page.goto(survey_url(invitation))
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring check")
    expect_progress(page, 0)
    for question in first_half:
        answer_and_wait_until_saved(page, question, answers[question.key])
    expect_progress(page, len(first_half))

    page.reload()
    expect_progress(page, len(first_half))
    for question in first_half:
        expect_answered(page, question, answers[question.key])
    for question in second_half:
        expect(question_box(page, question).locator("input:checked")).to_have_count(0)

    for question in second_half:
        answer_and_wait_until_saved(page, question, answers[question.key])
    expect_progress(page, len(questions))

    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url(re.compile(rf"/r/{re.escape(invitation.token)}/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    page.get_by_role("link", name="Go back to your answers").click()
    expect(page).to_have_url(re.compile(rf"/r/{re.escape(invitation.token)}/$"))
    expect(page.get_by_role("status")).to_contain_text("You have submitted your answers.")
    expect(page.get_by_role("button", name="Submit again")).to_be_visible()
    expect_progress(page, len(questions))

    changed = next(
        question
        for question in questions
        if question.is_scale and answers[question.key] not in {(DONT_KNOW,), ("3",)}
    )
    answers[changed.key] = ("3",)
    answer_and_wait_until_saved(page, changed, answers[changed.key])
    expect_answered(page, changed, answers[changed.key])

    response = Response.objects.get(invitation=invitation)
    assert response.submitted_at is not None
    expect_stored(response, questions, answers)
    assert Answer.objects.filter(question__key=changed.key).get().value == 3
    dont_know = [key for key, answer in answers.items() if answer == (DONT_KNOW,)]
    assert dont_know  # and each is stored as dont_know=True with no value (expect_stored)
    assert console_errors == []
    assert failed_requests == []


@pytest.mark.browser
@pytest.mark.browser_context_args(java_script_enabled=False)
def test_the_same_survey_without_javascript(page: Page, invitation, questions):
    answers = {key: answer for key, answer in plan(questions).items() if isinstance(answer, tuple)}
    by_key = {question.key: question for question in questions}
    left_for_later = by_key["context-role"]
    page.goto(survey_url(invitation))
    expect(page.get_by_text(re.compile(r"questions answered"))).to_have_text(
        "0 of 41 questions answered"
    )

    for key, answer in answers.items():
        if key != left_for_later.key:
            for value in answer:
                click_option(page, by_key[key], value)
    page.get_by_role("button", name="Save answers").click()
    expect(page).to_have_url(re.compile(rf"/r/{re.escape(invitation.token)}/$"))
    expect(page.get_by_role("status")).to_have_text(
        "Your answers are saved. Come back to this link any time."
    )
    expect(page.get_by_text(re.compile(r"questions answered"))).to_have_text(
        "39 of 41 questions answered"
    )
    for key, answer in answers.items():
        if key != left_for_later.key:
            expect_answered(page, by_key[key], answer)
    expect(question_box(page, left_for_later).locator("input:checked")).to_have_count(0)

    page.get_by_role("button", name="Submit my answers").click()
    missing = page.get_by_role("alert")
    expect(missing).to_contain_text("A few questions still need an answer:")
    expect(missing.get_by_role("link")).to_have_count(1)
    link = missing.get_by_role("link", name=left_for_later.text)
    expect(link).to_have_attribute("href", f"#q-{left_for_later.key}")
    response = Response.objects.get(invitation=invitation)
    assert response.submitted_at is None
    assert response.answers.count() == len(answers) - 1

    link.click()
    expect(page).to_have_url(re.compile(rf"#q-{left_for_later.key}$"))
    for value in answers[left_for_later.key]:
        click_option(page, left_for_later, value)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url(re.compile(rf"/r/{re.escape(invitation.token)}/thanks/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    response.refresh_from_db()
    assert response.submitted_at is not None
    expect_stored(response, questions, answers)


@pytest.mark.browser
def test_a_failed_save_is_shown_and_retried(page: Page, invitation, questions):
    console_errors, failed_requests = watch_for_errors(page)
    question = questions[0]  # "fit-production", yes or no
    failed = []

    def fail_the_first_save(route):
        if failed:
            route.continue_()
        else:
            failed.append(route.request.url)
            route.fulfill(status=503, body="Service Unavailable")

    page.route(f"**/r/*/answers/{question.key}/", fail_the_first_save)
    page.goto(survey_url(invitation))
    click_option(page, question, "1")

    state = save_state(page, question)
    expect(state).to_contain_text("Not saved")
    expect(state).to_have_text("Not saved — retrying in 2 s")
    problem = page.locator("#connection-problem")
    expect(problem).to_have_text("Something went wrong on our side (503). Please try again.")
    expect(state).to_have_text("Saved")  # retried after 2 s
    expect(problem).to_be_hidden()

    assert len(failed) == 1
    row = Answer.objects.get(response__invitation=invitation)
    assert (row.question.key, row.value, row.dont_know) == (question.key, 1, False)
    # The refused request is expected: Chromium logs "Failed to load resource: ... 503" and htmx
    # "Response Status Error Code 503 from ...". Nothing else may go wrong.
    assert failed_requests == [f"{failed[0]} 503"]
    assert [text for text in console_errors if "503" not in text] == []
    assert len(console_errors) <= 2


@pytest.mark.browser
def test_survey_screenshots(page: Page, invitation, questions):
    console_errors, failed_requests = watch_for_errors(page)
    ARTIFACTS.mkdir(exist_ok=True)
    answers = plan(questions)

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(survey_url(invitation))
    for question in questions[:2] + [question for question in questions if question.is_scale][:1]:
        answer_and_wait_until_saved(page, question, answers[question.key])
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 375, f"the page scrolls sideways at 375 px ({scroll_width} px wide)"
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky progress bar is drawn mid-page
    page.screenshot(path=ARTIFACTS / "survey-375.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.reload()
    expect_progress(page, 3)
    page.evaluate("window.scrollTo(0, 0)")  # a reload keeps the scroll position
    page.screenshot(path=ARTIFACTS / "survey-1280.png", full_page=True)
    assert console_errors == []
    assert failed_requests == []


@pytest.mark.browser
def test_keyboard_only(page: Page, invitation, questions):
    console_errors, failed_requests = watch_for_errors(page)
    first, second = questions[0], questions[1]  # both yes/no
    page.goto(survey_url(invitation))
    first_yes = question_box(page, first).get_by_role("radio", name="Yes", exact=True)

    for _ in range(10):  # the skip link and the brand come first
        page.keyboard.press("Tab")
        if first_yes.evaluate("input => input === document.activeElement"):
            break
    expect(first_yes).to_be_focused()

    page.keyboard.press("Space")
    expect(first_yes).to_be_checked()
    expect(save_state(page, first)).to_have_text("Saved")

    with page.expect_response(f"**/r/*/answers/{first.key}/"):
        page.keyboard.press("ArrowDown")  # moves to "No" and chooses it
    first_no = question_box(page, first).get_by_role("radio", name="No", exact=True)
    expect(first_no).to_be_focused()
    expect(first_no).to_be_checked()
    expect(save_state(page, first)).to_have_text("Saved")

    outline = first_no.evaluate(
        """input => {
            const style = getComputedStyle(input.closest(".option"));
            return {visible: input.matches(":focus-visible"), style: style.outlineStyle,
                    width: style.outlineWidth};
        }"""
    )
    assert outline["visible"] and outline["style"] != "none" and outline["width"] != "0px", outline

    page.keyboard.press("Tab")  # on to the next question's first option
    second_yes = question_box(page, second).get_by_role("radio", name="Yes", exact=True)
    expect(second_yes).to_be_focused()
    page.keyboard.press("Space")
    expect(save_state(page, second)).to_have_text("Saved")

    stored = dict(
        Answer.objects.filter(response__invitation=invitation).values_list("question__key", "value")
    )
    assert stored == {first.key: 0, second.key: 1}
    assert console_errors == []
    assert failed_requests == []
