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
