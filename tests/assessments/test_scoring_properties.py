"""Properties of the scoring rules that must hold for any answers (hypothesis)."""

import random
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from assessments import scoring

levels = st.lists(st.integers(min_value=0, max_value=scoring.SCALE_MAX), max_size=60)
answers = st.lists(
    st.one_of(st.integers(min_value=0, max_value=scoring.SCALE_MAX), st.sampled_from(["dk", "na"])),
    max_size=60,
)


def counted(values) -> tuple[dict[int, int], int, int]:
    """(value -> count, don't know, doesn't apply) of answers where "dk" and "na" stand for
    the two answers that are not a level."""
    return (
        Counter(v for v in values if v not in ("dk", "na")),
        sum(v == "dk" for v in values),
        sum(v == "na" for v in values),
    )


@given(st.lists(st.tuples(answers, st.floats(min_value=0.1, max_value=3)), max_size=5))
def test_scores_stay_in_range(questions):
    score = scoring.principle_score(
        "p", [(*counted(values), weight) for values, weight in questions]
    )

    if score.level is None:
        assert score.spread.count == 0
    else:
        assert 0 <= score.level <= scoring.SCALE_MAX
        assert 0 <= score.score_100 <= 100
        assert 0 <= score.spread.stdev <= scoring.SCALE_MAX / 2
        assert 0 <= score.spread.range <= scoring.SCALE_MAX
        assert score.spread.minimum <= score.spread.median <= score.spread.maximum


@given(st.lists(answers, min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_reordering_respondents_or_questions_changes_nothing(questions, rng: random.Random):
    before = scoring.principle_score("p", [(*counted(values), 1.0) for values in questions])
    shuffled = [rng.sample(values, len(values)) for values in rng.sample(questions, len(questions))]

    after = scoring.principle_score("p", [(*counted(values), 1.0) for values in shuffled])

    assert after.as_dict() == before.as_dict()


@given(
    levels,
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=0, max_value=50),
    st.integers(min_value=0, max_value=50),
)
def test_dont_know_and_doesnt_apply_never_move_a_mean(values, unsure, more_unsure, elsewhere):
    distribution = Counter(values)

    assert (
        scoring.spread(distribution, unsure).mean
        == scoring.spread(distribution, more_unsure, elsewhere).mean
    )
    with_skips = scoring.principle_score("p", [(distribution, unsure, elsewhere, 1.0)])
    assert with_skips.level == scoring.principle_score("p", [(distribution, 0, 0, 1.0)]).level
    assert (with_skips.spread.dont_know, with_skips.spread.not_applicable) == (unsure, elsewhere)


@settings(max_examples=500)
@given(
    st.dictionaries(
        st.text(min_size=1, max_size=8), st.integers(min_value=0, max_value=40), max_size=8
    ),
    st.integers(min_value=3, max_value=10),
)
def test_no_hidden_cell_can_be_recovered_from_the_total(counts, threshold):
    hidden = scoring.suppressed_cells(counts, threshold)

    small = {cell for cell, n in counts.items() if n < threshold}
    assert small <= hidden
    hidden_total = sum(counts[cell] for cell in hidden)
    # total minus the shown cells is what anyone can compute: 0 or a group at the threshold
    assert hidden_total == 0 or hidden_total >= threshold or hidden == set(counts)


principle_levels = st.fixed_dictionaries(
    {
        key: st.one_of(st.none(), st.floats(min_value=0, max_value=scoring.SCALE_MAX))
        for key in [*scoring.PILOT_CANDIDATES, "collaboration"]
    }
)
verdicts = st.sampled_from(
    [
        scoring.FIT_NOT_YET,
        scoring.FIT_PRACTISING,
        scoring.FIT_GOOD,
        scoring.FIT_BORDERLINE,
        scoring.FIT_FOUNDATIONS_FIRST,
    ]
)
challenge_rows = st.lists(
    st.fixed_dictionaries(
        {
            "key": st.sampled_from(
                ["data-drift", "concept-drift", "model-degradation", "lack-of-collaboration"]
            ),
            "reported": st.booleans(),
        }
    ),
    max_size=4,
)


@given(principle_levels, verdicts, challenge_rows, st.integers(0, 5), st.integers(0, 40))
def test_at_most_three_steps_are_now_and_none_presupposes_production_under_the_gate(
    levels, verdict, challenges, disagreements, top_goal
):
    in_production = verdict != scoring.FIT_NOT_YET
    pilots = scoring.automation_pilots(levels, in_production=in_production)
    steps = scoring.roadmap_steps(
        levels=levels,
        responses=40,
        top_goal_count=top_goal,
        pilots=pilots,
        challenges=challenges,
        disagreement_count=disagreements,
        verdict=verdict,
    )
    priorities = {step["key"]: step["priority"] for step in steps}

    assert sum(priority == scoring.NOW for priority in priorities.values()) <= scoring.MAX_NOW
    assert len(pilots) <= scoring.MAX_PILOTS
    if not in_production:
        assert priorities["monitoring"] == scoring.LATER
        assert priorities["tools"] == scoring.LATER
        assert not {pilot["principle"] for pilot in pilots} & scoring.PRODUCTION_ONLY


@given(principle_levels)
def test_a_pilot_never_names_its_principle_as_its_own_object(levels):
    names = {key: key.replace("-", " ").capitalize() for key in levels}
    for pilot in scoring.automation_pilots(levels, names):
        name = names[pilot["principle"]].lower()
        reason = pilot["reason"].lower()
        assert f"automate {name}" not in reason and f"{name} pilot: {name}" not in reason


def test_a_change_is_clear_only_beyond_two_standard_errors():
    """Hand-computed: sd 0.8 at 40 answerers in both rounds gives a standard error of the
    difference of sqrt(2 x 0.64 / 40) = 0.179, so 0.15 is noise and 0.40 is a change."""
    before = {"level": 1.60, "stdev": 0.8, "answerers": 40}

    assert scoring.clear_change(before | {"level": 1.75}, before) is False
    assert scoring.clear_change(before | {"level": 2.00}, before) is True
    assert scoring.clear_change(before | {"level": 2.00}, {"level": 1.6}) is None  # v1 result
