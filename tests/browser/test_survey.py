"""A respondent answers the survey in a real browser, one screen per section: with JavaScript on a
phone's width, where every change is saved as it happens; without it, where each screen's form
saves and moves on; through a failed save; past the goals' limit of ticks; and with the keyboard
alone. The journeys use questionnaire v2: it has every kind of answer, "Doesn't apply to us" too.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Locator, Page, expect

from assessments.models import Answer, Invitation, Response, Round
from assessments.survey import (
    DONT_KNOW,
    DONT_KNOW_LABEL,
    NOT_APPLICABLE,
    NOT_APPLICABLE_LABEL,
    SurveyLayout,
    SurveyQuestion,
    SurveySection,
    survey_layout,
)
from tests.browser.conftest import failed_for_real

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
COMMENT = "Nobody owns the models once the data scientist who built them moves on."
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
# Left unanswered without JavaScript, so the review has exactly one question to link to. It is on
# screen 4 of 10, so answering it from there leads through every later screen to the review.
LEFT_FOR_LATER = "monitoring-drift"

Answers = dict[str, tuple[str, ...] | str]


@pytest.fixture
def invitation(acme, questionnaire_v2, lena) -> Invitation:
    """An invitation to an open round of Acme's on questionnaire v2."""
    round = Round.objects.create(
        organization=acme,
        questionnaire=questionnaire_v2,
        title="Spring check",
        created_by=lena,
        status=Round.Status.OPEN,
    )
    return Invitation.objects.create(
        round=round, email="sam@acme.example", status=Invitation.Status.SENT
    )


@pytest.fixture
def layout(invitation) -> SurveyLayout:
    """v2's screens: 10 sections, 40 questions (39 required, 1 free text)."""
    return survey_layout(invitation.round.questionnaire_id)


def all_questions(layout: SurveyLayout) -> list[SurveyQuestion]:
    return [question for section in layout.sections for question in section.questions]


def survey_url(invitation: Invitation, path: str = "") -> str:
    return f"/r/{invitation.token}/{path}"


def url_pattern(invitation: Invitation, path: str = "") -> re.Pattern:
    """The page's whole URL: this path below the invitation's, and an optional #fragment."""
    return re.compile(rf"/r/{re.escape(invitation.token)}/{re.escape(path)}(#[\w-]+)?$")


def section_path(section: SurveySection) -> str:
    return f"s/{section.key}/"


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


def plan(layout: SurveyLayout) -> Answers:
    """What this respondent answers: a spread of options; "I don't know" on every fifth question
    and "Doesn't apply to us" on every third of those that offer them (a spread over several
    screens, the mid-journey reload's among them); two ticks of the goals' three; a comment."""
    chosen = {}
    for number, question in enumerate(all_questions(layout)):
        if question.is_text:
            chosen[question.key] = COMMENT
        elif question.is_multiple:
            chosen[question.key] = (question.options[1].value, question.options[4].value)
        elif question.allows_dont_know and number % 5 == 0:
            chosen[question.key] = (DONT_KNOW,)
        elif question.allows_not_applicable and number % 3 == 2:
            chosen[question.key] = (NOT_APPLICABLE,)
        else:
            chosen[question.key] = (question.options[number % len(question.options)].value,)
    return chosen


def label_of(question: SurveyQuestion, value: str) -> str:
    if value == DONT_KNOW:
        return DONT_KNOW_LABEL
    if value == NOT_APPLICABLE:
        return NOT_APPLICABLE_LABEL
    return next(option.label for option in question.options if option.value == value)


def question_box(page: Page, question: SurveyQuestion) -> Locator:
    return page.locator(f"#q-{question.key}")


def save_state(page: Page, question: SurveyQuestion) -> Locator:
    """The question's status line (p.save-state): "Saving…", "Saved", or why not."""
    return page.locator(f"#state-{question.key}")


def click_option(page: Page, question: SurveyQuestion, value: str) -> None:
    """Click the option's label text, as a person would."""
    question_box(page, question).get_by_text(label_of(question, value), exact=True).click()


def give_answer(page: Page, question: SurveyQuestion, answer) -> None:
    """Give one answer as a person would: click each option's label, or type the text."""
    if question.is_text:
        question_box(page, question).get_by_role("textbox").fill(answer)
    else:
        for value in answer:
            click_option(page, question, value)


def answer_and_wait_until_saved(page: Page, question: SurveyQuestion, answer) -> None:
    """Give one answer with JavaScript on, waiting for each save it sends and then for "Saved".
    Free text is saved 800 ms after the last keystroke; focus stays in the box, so the journey
    then leaves the screen straight from it, as people do."""
    saves = f"**/r/*/answers/{question.key}/"
    if question.is_text:
        with page.expect_response(saves):
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
    for value in answer:  # by accessible name: the label's text
        expect(box.get_by_role(role, name=label_of(question, value), exact=True)).to_be_checked()
    expect(box.locator("input:checked")).to_have_count(len(answer))


def expect_unanswered(page: Page, question: SurveyQuestion) -> None:
    box = question_box(page, question)
    if question.is_text:
        expect(box.get_by_role("textbox")).to_have_value("")
    else:
        expect(box.locator("input:checked")).to_have_count(0)


def expect_screen(
    page: Page, invitation: Invitation, layout: SurveyLayout, index: int, answered: int
) -> None:
    """On screen `index` (0-based), with `answered` of its questions answered."""
    section = layout.sections[index]
    expect(page).to_have_url(url_pattern(invitation, section_path(section)))
    expect(page.get_by_role("heading", level=1)).to_have_text(section.title)
    expect(page.get_by_text(re.compile(r"on this screen$"))).to_have_text(
        f"Screen {index + 1} of {len(layout.sections)} · "
        f"{answered} of {len(section.questions)} on this screen"
    )


def expect_progress(page: Page, answered: int, total: int = 40) -> None:
    """The whole survey's progress, as a screen reader announces the bar."""
    expect(page.get_by_role("progressbar")).to_have_accessible_name(
        f"{answered} of {total} questions answered in all"
    )


def expect_no_sideways_scroll(page: Page, width: int = PHONE["width"]) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways at {width} px ({scroll_width} px)"


def screenshot(page: Page, name: str) -> None:
    """A full-page screenshot into test-artifacts/, from the top: scrolled down, the sticky
    progress bar would be drawn mid-page."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=ARTIFACTS / name, full_page=True)


def expect_stored(response: Response, layout: SurveyLayout, answers: Answers) -> None:
    """Exactly one Answer row per answered question, each holding what was chosen."""
    rows = {row.question.key: row for row in response.answers.select_related("question")}
    assert sorted(rows) == sorted(answers)
    assert response.answers.count() == len(answers)
    for key, answer in answers.items():
        row, question = rows[key], layout.by_key[key]
        stored = (row.value, row.dont_know, row.not_applicable)
        if question.is_text:
            assert (row.text, *stored) == (answer, None, False, False), key
        elif answer == (DONT_KNOW,):
            assert stored == (None, True, False), key
        elif answer == (NOT_APPLICABLE,):
            assert stored == (None, False, True), key
        elif question.is_multiple:
            assert sorted(row.chosen_values) == sorted(map(int, answer)), key
            assert (row.dont_know, row.not_applicable) == (False, False), key
        else:
            assert stored == (int(answer[0]), False, False), key


@pytest.mark.browser
def test_every_screen_at_a_phones_width_with_a_reload_midway(page: Page, invitation, layout):
    """The issue's journey: Chromium at 375 px through every screen, reloading in the middle of
    one, then the review, the submission and a change made after it."""
    console_errors, failed_requests = watch_for_errors(page)
    answers = plan(layout)
    assert {(DONT_KNOW,), (NOT_APPLICABLE,)} <= set(answers.values())
    reloaded = layout.section_at("healthy")  # 6 questions, each kind of answer among them
    page.set_viewport_size(PHONE)

    page.goto(survey_url(invitation))  # redirected to the first screen
    expect(page.get_by_text("Each answer is saved as soon as you choose it.")).to_be_visible()
    expect(page.locator(".facts noscript li")).to_be_hidden()
    answered_before = 0
    for index, section in enumerate(layout.sections):
        expect_screen(page, invitation, layout, index, 0)
        expect_progress(page, answered_before)
        expect(page.get_by_role("button", name="Back")).to_have_count(1 if index else 0)
        expect_no_sideways_scroll(page)
        for number, question in enumerate(section.questions, start=1):
            answer_and_wait_until_saved(page, question, answers[question.key])
            expect_screen(page, invitation, layout, index, number)
            expect_progress(page, answered_before + number)

            if index == reloaded and number == len(section.questions) // 2:
                page.reload()
                # The counts are the server's: the script changes them only on a change.
                expect_screen(page, invitation, layout, index, number)
                expect_progress(page, answered_before + number)
                for done in section.questions[:number]:
                    expect_answered(page, done, answers[done.key])
                for to_do in section.questions[number:]:
                    expect_unanswered(page, to_do)
                screenshot(page, "survey-375.png")
                page.set_viewport_size(DESKTOP)
                screenshot(page, "survey-1280.png")
                page.set_viewport_size(PHONE)
        answered_before += len(section.questions)
        is_last = index + 1 == len(layout.sections)
        page.get_by_role(
            "button", name="Save and review" if is_last else "Save and continue"
        ).click()

    expect(page).to_have_url(url_pattern(invitation, "review/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and submit")
    expect(page.get_by_text("40 of 40 questions answered.")).to_be_visible()
    screens = page.get_by_role("listitem").filter(has=page.get_by_role("link"))
    for section in layout.sections:
        count = len(section.questions)
        expect(screens.filter(has_text=section.title)).to_have_text(
            f"{section.title} {count} of {count}"
        )
    expect(page.get_by_role("alert")).to_have_count(0)  # nothing is missing
    expect_no_sideways_scroll(page)
    screenshot(page, "survey-review-375.png")

    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url(url_pattern(invitation, "thanks/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect_no_sideways_scroll(page)
    response = Response.objects.get(invitation=invitation)
    assert response.submitted_at is not None
    expect_stored(response, layout, answers)

    page.get_by_role("link", name="Go back to your answers").click()
    expect(page).to_have_url(url_pattern(invitation, "review/"))  # everything is answered
    expect(page.get_by_role("status")).to_contain_text("You have submitted your answers.")
    expect(page.get_by_role("button", name="Submit again")).to_be_visible()

    building = layout.sections[layout.section_at("building")]
    page.get_by_role("link", name=building.title).click()
    expect_screen(page, invitation, layout, layout.section_at("building"), 4)
    expect_progress(page, 40)
    changed = next(q for q in building.questions if answers[q.key] not in {(DONT_KNOW,), ("3",)})
    answers[changed.key] = ("3",)
    answer_and_wait_until_saved(page, changed, answers[changed.key])
    expect_answered(page, changed, answers[changed.key])
    expect_progress(page, 40)

    response.refresh_from_db()
    expect_stored(response, layout, answers)
    assert Answer.objects.filter(question__key=changed.key).get().value == 3
    assert console_errors == []
    assert failed_requests == []


@pytest.mark.browser
@pytest.mark.browser_context_args(java_script_enabled=False)
def test_every_screen_without_javascript(page: Page, invitation, layout):
    """Each screen's form saves its answers and moves on, "Back" too; the review links to the
    one question left out, and the survey is submitted once it is answered."""
    answers = plan(layout)
    left_for_later = layout.by_key[LEFT_FOR_LATER]
    assert left_for_later.required

    page.goto(survey_url(invitation))
    expect_screen(page, invitation, layout, 0, 0)
    # By CSS: Playwright's text and role locators never look inside <noscript>, shown or not.
    promise = page.locator(".facts noscript li")
    expect(promise).to_be_visible()
    expect(promise).to_have_text(
        "Your answers on a screen are saved when you press “Save and continue”."
    )
    expect(page.get_by_text("Each answer is saved as soon as you choose it.")).to_be_hidden()

    answered_before = 0
    for index, section in enumerate(layout.sections):
        expect_screen(page, invitation, layout, index, 0)
        expect(page.get_by_text(re.compile(r"questions answered in all$"))).to_have_text(
            f"{answered_before} of 40 questions answered in all"
        )
        for question in section.questions:
            if question != left_for_later:
                give_answer(page, question, answers[question.key])

        if index == 1:  # "Back" saves this screen too, and shows the one before it
            page.get_by_role("button", name="Back").click()
            expect_screen(page, invitation, layout, 0, len(layout.sections[0].questions))
            page.get_by_role("button", name="Save and continue").click()
            expect_screen(page, invitation, layout, 1, len(section.questions))
            for question in section.questions:
                expect_answered(page, question, answers[question.key])

        answered_before += sum(question != left_for_later for question in section.questions)
        is_last = index + 1 == len(layout.sections)
        if is_last:  # with no unanswered screen after it, the link goes back to the one left
            next_unanswered = page.get_by_role("navigation", name="Survey screens").get_by_role(
                "link", name=left_for_later.text
            )
            # relative to the screen, as every link of a screen is
            expect(next_unanswered).to_have_attribute("href", f"../healthy/#q-{left_for_later.key}")
        page.get_by_role(
            "button", name="Save and review" if is_last else "Save and continue"
        ).click()

    expect(page).to_have_url(url_pattern(invitation, "review/"))
    expect(page.get_by_text("39 of 40 questions answered.")).to_be_visible()
    missing = page.get_by_role("alert")
    expect(missing).to_contain_text("One question still needs an answer before you can submit:")
    expect(missing.get_by_role("link")).to_have_count(1)
    link = missing.get_by_role("link", name=left_for_later.text, exact=True)
    expect(link).to_have_attribute(
        "href", f"/r/{invitation.token}/s/healthy/#q-{left_for_later.key}"
    )
    response = Response.objects.get(invitation=invitation)
    assert response.answers.count() == len(answers) - 1

    page.get_by_role("button", name="Submit my answers").click()  # refused: one is missing
    expect(page).to_have_url(url_pattern(invitation, "review/"))
    expect(missing.get_by_role("link")).to_have_count(1)
    response.refresh_from_db()
    assert response.submitted_at is None

    link.click()
    healthy = layout.section_at("healthy")
    expect(page).to_have_url(re.compile(rf"/s/healthy/#q-{left_for_later.key}$"))
    expect_screen(page, invitation, layout, healthy, len(layout.sections[healthy].questions) - 1)
    expect_unanswered(page, left_for_later)
    give_answer(page, left_for_later, answers[left_for_later.key])
    for index in range(healthy, len(layout.sections)):
        section = layout.sections[index]
        is_last = index + 1 == len(layout.sections)
        page.get_by_role(
            "button", name="Save and review" if is_last else "Save and continue"
        ).click()
        if not is_last:
            expect_screen(
                page, invitation, layout, index + 1, len(layout.sections[index + 1].questions)
            )

    expect(page).to_have_url(url_pattern(invitation, "review/"))
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Submit my answers").click()
    expect(page).to_have_url(url_pattern(invitation, "thanks/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")

    response.refresh_from_db()
    assert response.submitted_at is not None
    expect_stored(response, layout, answers)


@pytest.mark.browser
def test_a_failed_save_is_shown_and_retried(page: Page, invitation, layout):
    console_errors, failed_requests = watch_for_errors(page)
    question = layout.sections[0].questions[0]  # "fit-production", yes or no
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
def test_leaving_through_the_screens_button_with_a_save_in_flight_loses_nothing(
    page: Page, invitation, layout
):
    """The page warns before it is left with a save unfinished, but not when the screen's own
    form is what leaves it: the form posts every answer on the screen."""
    question = layout.sections[0].questions[0]
    held = []
    page.route(f"**/r/*/answers/{question.key}/", lambda route: held.append(route))  # in flight
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.type) or dialog.dismiss())
    page.goto(survey_url(invitation))

    click_option(page, question, "1")
    expect(save_state(page, question)).to_have_text("Saving…")
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(url_pattern(invitation, section_path(layout.sections[1])))
    assert held and dialogs == []
    row = Answer.objects.get(response__invitation=invitation)
    assert (row.question.key, row.value) == (question.key, 1)


@pytest.mark.browser
def test_a_fourth_goal_is_refused_and_the_first_three_are_kept(page: Page, invitation, layout):
    """The goals allow three ticks: a fourth is refused (422) with the reason beside it, and
    the three saved before it stay saved; unticking one saves again."""
    console_errors, failed_requests = watch_for_errors(page)
    goals = layout.by_key["goals-kpis"]
    assert goals.max_choices == 3
    page.goto(survey_url(invitation, "s/goals/"))
    expect(question_box(page, goals)).to_contain_text("Choose up to 3.")
    for option in goals.options[:3]:
        with page.expect_response(f"**/r/*/answers/{goals.key}/"):
            click_option(page, goals, option.value)
        expect(save_state(page, goals)).to_have_text("Saved")

    with page.expect_response(f"**/r/*/answers/{goals.key}/") as refused:
        click_option(page, goals, goals.options[3].value)
    assert refused.value.status == 422
    expect(save_state(page, goals)).to_have_text(
        "Choose at most 3: you chose 4. Untick one, and this answer is saved."
    )
    stored = Answer.objects.get(response__invitation=invitation, question__key=goals.key)
    assert sorted(stored.chosen_values) == [0, 1, 2]

    with page.expect_response(f"**/r/*/answers/{goals.key}/"):
        click_option(page, goals, goals.options[0].value)  # untick the first
    expect(save_state(page, goals)).to_have_text("Saved")
    stored.refresh_from_db()
    assert sorted(stored.chosen_values) == [1, 2, 3]
    # Chromium logs the refused request as "Failed to load resource: ... 422"; nothing else.
    assert failed_requests == [f"{refused.value.url} 422"]
    assert [text for text in console_errors if "422" not in text] == []


@pytest.mark.browser
def test_keyboard_only(page: Page, invitation, layout):
    console_errors, failed_requests = watch_for_errors(page)
    first, second = layout.sections[0].questions[:2]  # both yes/no
    page.goto(survey_url(invitation))
    first_yes = question_box(page, first).get_by_role("radio", name="Yes", exact=True)

    # The skip link and the brand come first; the first screen shows its facts as a list, with
    # nothing focusable (later screens fold them into a <details>, one more stop).
    for _ in range(10):
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
