"""What the PDF roadmap says: the guide's seven steps turned into actions for one round result.

Pure functions of the stored result and the questionnaire's texts, so every sentence can be
tested without rendering a PDF. The priorities themselves are decided by the worker
(assessments.scoring.roadmap_steps) and stored in the result; this module only words them.
"""

from dataclasses import dataclass, field

from assessments import scoring

# What each step of the guide asks for, in our words; the actions below make it concrete.
STEP_PURPOSE = {
    "goals": "Say what MLOps should achieve for you and how you will measure it: the KPIs.",
    "assess": "Know where your practices, tools and skills stand, and what to improve first.",
    "tools": "Pick tools that fit your needs and budget, scale with you and work with what "
    "you already run.",
    "automation": "Automate the key steps of the model lifecycle (checking data, training, "
    "deploying) with CI/CD pipelines, starting small: one or two processes first.",
    "monitoring": "Watch model performance in production and alert the right people when "
    "something goes wrong, before your users notice.",
    "collaboration": "Break down the silos between data science, engineering and operations: "
    "clear roles, clear responsibilities, open communication.",
    "iterate": "Keep measuring, find what to improve next, and try new tools and techniques.",
}

# The guide's trends for the future of MLOps: shown to teams already at GOOD_LEVEL or above.
FUTURE_TRENDS = [
    (
        "AI-powered MLOps",
        "AI that automates and tunes the MLOps work itself: model selection, hyperparameter "
        "tuning, anomaly detection.",
    ),
    (
        "Edge MLOps",
        "Deploying and managing models on edge devices, for real-time inference with less latency.",
    ),
    (
        "Explainable AI",
        "Tools and techniques that show how a model reaches its decisions, for transparency "
        "and trust.",
    ),
    (
        "Federated learning",
        "Training on data that stays where it is, which keeps it private and lets "
        "organizations work together.",
    ),
    (
        "Democratized MLOps",
        "MLOps tools within reach of more people, including citizen data scientists and "
        "business analysts.",
    ),
]

NEXT_ROUND_MONTHS = 3
# The executive summary names this many actions, taken from the "now" steps in this order:
# what changes practice first, then what frames it.
TOP_ACTIONS = 3
TOP_ACTION_ORDER = ["automation", "monitoring", "tools", "collaboration", "goals", "assess"]
DRIFT_CHALLENGES = ["data-drift", "concept-drift", "model-degradation"]


@dataclass
class Step:
    number: int
    key: str
    title: str
    priority: str
    purpose: str
    headline: str
    actions: list[str] = field(default_factory=list)
    tools: list[dict] = field(default_factory=list)


@dataclass
class Roadmap:
    verdict: str
    verdict_title: str
    verdict_reason: str
    verdict_noes: list[str]
    top_actions: list[str]
    steps: list[Step]
    challenges: list[dict]
    disagreements: list[dict]
    trends: list[tuple[str, str]]
    # Each shown team's own first step, in words (empty before scoring v2).
    teams: list[str] = field(default_factory=list)


NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}


def and_join(names: list[str], *, lower: bool = True) -> str:
    """ "a", "a and b", "a, b and c", in lower case unless the names are proper nouns."""
    names = [name.lower() for name in names] if lower else names
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def level_text(level: float | None) -> str:
    return "not rated" if level is None else f"{level:g} of 4"


def share_text(part: int, whole: int) -> str:
    return f"{part} of {whole}" if whole else str(part)


def signed(value: float) -> str:
    return f"+{value:g}" if value > 0 else f"{value:g}"


@dataclass(frozen=True)
class Reading:
    """What every step's wording reads: the stored result and the questionnaire's texts."""

    data: dict
    question_texts: dict[str, str]
    solutions: dict[str, str]
    tool_categories: list[dict]
    principle_tools: dict[str, str]

    @property
    def principles(self) -> dict[str, dict]:
        return {row["key"]: row for row in self.data["principles"]}

    @property
    def verdict(self) -> str:
        return self.data["fit"]["verdict"]

    @property
    def in_production(self) -> bool:
        return self.verdict != scoring.FIT_NOT_YET

    def name(self, key: str) -> str:
        return self.principles[key]["name"] if key in self.principles else key

    def weak(self, key: str) -> bool:
        level = self.principles.get(key, {}).get("level")
        return level is not None and level < scoring.WEAK_LEVEL

    def lagging_teams(self) -> str:
        """The teams weak where the round is not, as words ("" when none): the pooled levels
        cannot show them, so the steps built on those levels point to them."""
        names = [f"the {gap['team']} team" for gap in self.data.get("team_gaps", []) if gap["weak"]]
        return and_join(names, lower=False) if names else ""

    def rung_text(self, key: str) -> str | None:
        """“<question>: today “<label>” (n of N); next: “<label>”.”, for a practice."""
        rung = self.data["roadmap"].get("rungs", {}).get(key)
        if not rung:
            return None
        question = self.question_texts.get(rung["question"], rung["question"])
        return (
            f"{question} Today: “{rung['now_label']}” ({rung['count']} of {rung['of']}); "
            f"next: “{rung['next_label']}”."
        )


def goals_step(reading: Reading, step: Step) -> None:
    goals = reading.data["goals"]
    responses = reading.data["responses"]
    if goals and goals[0]["count"] and step.priority == scoring.LATER:
        step.headline = (
            f"Keep “{goals[0]['label']}” as your measure, the goal most of you share, and "
            "record where it stands today so the next round can show the change."
        )
    else:
        step.headline = (
            "Agree on one or two KPIs first: no goal is shared by half of you "
            "(the guide's examples: time to deploy, model accuracy, maintenance cost)."
        )
    step.actions = [
        f"{goal['label']}: picked by {share_text(goal['count'], responses)}"
        for goal in goals
        if goal["count"]
    ][:5]
    for outcome in reading.data.get("outcomes", []):
        question = reading.question_texts.get(outcome["question"], outcome["question"])
        if outcome["baseline"] is None:
            step.actions.append(
                f"{question} Too few answers for a baseline ({outcome['answers']}): measure it "
                "directly."
            )
            continue
        target = (
            f"a target for the next round: “{outcome['target']}”."
            if outcome["target"]
            else "keep it there."
        )
        step.actions.append(
            f"{question} Baseline: “{outcome['baseline']}” (the middle of {outcome['answers']} "
            f"answers); {target}"
        )


def assess_step(reading: Reading, step: Step, disagreements: list[dict]) -> None:
    data = reading.data
    readiness = data["readiness"]
    gaps = [gap for gap in data.get("team_gaps", []) if gap["average"] is not None]
    if gaps:
        gap = min(gaps, key=lambda gap: gap["average"])
        # Pooled levels hide a team that lags: name it before anything else.
        step.headline = (
            f"Start with the {gap['team']} team: it averages {level_text(gap['average'])} "
            f"against {level_text(gap['rest'])} for the rest, so it needs its own first step."
        )
    else:
        step.headline = "Walk the team through this report" + (
            f", starting with the {len(disagreements)} places where a team's answers split."
            if disagreements
            else "."
        )
    stage = data.get("stage")
    if stage:
        step.actions.append(f"Stage: {stage['name']} ({stage['rule']}).")
    step.actions.append(
        f"Readiness: {level_text(readiness['average'])} on average; the floor is "
        f"{level_text(readiness['floor'])}, in {reading.name(readiness['floor_principle'])}."
        if readiness["average"] is not None
        else "Readiness: not rated yet."
    )
    weakest = data["roadmap"]["weakest"]
    if weakest:
        step.actions.append(
            "Weakest principles: "
            + ", ".join(
                f"{reading.name(key)} ({level_text(reading.principles[key]['level'])})"
                for key in weakest
            )
            + "."
        )
    for gap in data.get("team_gaps", []):
        line = f"Team gap: {gap['team']}"
        if gap["average"] is not None and gap["rest"] - gap["average"] >= 1:
            line += (
                f" averages {level_text(gap['average'])}, against {level_text(gap['rest'])} "
                "for the rest"
            )
        if gap["weak"]:
            line += (
                (" and is" if line.endswith("rest") else " is")
                + " weak in "
                + and_join([reading.name(key) for key in gap["weak"]])
                + ", where the round as a whole is not"
            )
        step.actions.append(line + ".")
    for practice in data.get("practices", []):
        if practice["level"] is not None:
            step.actions.append(f"{practice['name']}: {level_text(practice['level'])}.")


def tools_step(reading: Reading, step: Step) -> None:
    """The guide's tool category for the first pilot, and a gap its landscape does not cover
    said as such (ours: the mapping of principles to the guide's categories)."""
    pilots = reading.data["roadmap"]["pilots"]
    if step.priority == scoring.LATER and reading.verdict in (
        scoring.FIT_NOT_YET,
        scoring.FIT_FOUNDATIONS_FIRST,
    ):
        step.headline = "Not yet: tools come after the foundations, not before them."
        return
    if not pilots:
        step.headline = (
            f"No practice is below {scoring.WEAK_LEVEL:g}: keep your tools, and revisit "
            "them as your needs grow."
        )
        if lagging := reading.lagging_teams():
            step.headline = (
                f"Across the round no practice is below {scoring.WEAK_LEVEL:g}, but "
                f"{lagging} {'is' if ' and ' not in lagging else 'are'} weak (step 2): "
                "choose tools for its first step, not for the round."
            )
        return
    first = pilots[0]["principle"]
    categories = {category["key"]: category for category in reading.tool_categories}
    category = categories.get(reading.principle_tools.get(first, ""))
    rung = reading.data["roadmap"].get("rungs", {}).get(first, {})
    if (
        first in NOT_IN_THE_LANDSCAPE
        or rung.get("question") in NOT_IN_THE_LANDSCAPE_QUESTIONS
        or category is None
    ):
        step.headline = (
            f"Your first pilot, {reading.name(first).lower()}, needs no new platform: the "
            "guide's tool landscape has no category for it. Use what your code already runs on."
        )
        return
    step.tools = [{**category, "for": [reading.name(first)]}]
    step.headline = (
        f"For your first pilot, {reading.name(first).lower()}, shortlist from "
        f"{category['name'].lower()}, the guide's category for it."
    )


def automation_step(reading: Reading, step: Step) -> None:
    pilots = reading.data["roadmap"]["pilots"]
    if not pilots:
        step.headline = (
            "No practice is weak enough to call for a pilot: extend the automation you have."
        )
        if lagging := reading.lagging_teams():
            step.headline = (
                "Across the round no practice is weak enough to call for a pilot, but "
                f"{lagging} needs one of its own (see each team's first step)."
            )
        return
    names = [reading.name(pilot["principle"]).lower() for pilot in pilots]
    step.headline = (
        f"Start small, with {NUMBER_WORDS[len(pilots)]} "
        f"pilot{'s' if len(pilots) > 1 else ''}: {', then '.join(names)}."
    )
    for pilot in pilots:
        rung = reading.rung_text(pilot["principle"])
        step.actions.append(f"{pilot['reason']}." + (f" {rung}" if rung else ""))
    chosen = [pilot["principle"] for pilot in pilots]
    for key, prerequisites in scoring.PREREQUISITES.items():
        waiting_for = [p for p in prerequisites if p in chosen]
        if reading.weak(key) and key not in chosen and waiting_for:
            step.actions.append(
                f"{reading.name(key)} is low too, but waits for "
                f"{reading.name(waiting_for[0]).lower()}, which comes first."
            )


def monitoring_step(reading: Reading, step: Step) -> None:
    if not reading.in_production:
        step.headline = (
            "Once a first model runs in production: watch its performance and alert its owner "
            "when it drifts. Until then there is nothing to monitor."
        )
        return
    monitoring = reading.principles.get("monitoring", {})
    challenges = {row["key"]: row for row in reading.data["challenges"]}
    flagged = [
        challenges[key]
        for key in DRIFT_CHALLENGES
        if key in challenges and (challenges[key]["reported"] or challenges[key].get("inferred"))
    ]
    rung = reading.rung_text("monitoring")
    if flagged:
        step.headline = (
            f"Set up monitoring and alerts for {and_join([r['name'] for r in flagged])}."
        )
    elif step.priority == scoring.LATER:
        step.headline = "Monitoring is in good shape: keep its alerts going to named owners."
    else:
        step.headline = "Take monitoring one rung further."
    step.actions = [f"Monitoring: {level_text(monitoring.get('level'))}."]
    if rung and step.priority != scoring.LATER:
        step.actions.append(rung)
    if monitoring.get("dont_know_share"):
        step.actions.append(
            f"{round(monitoring['dont_know_share'] * 100)}% of answers on monitoring "
            "were “don't know”: make what is watched, and by whom, visible."
        )


def collaboration_step(reading: Reading, step: Step, disagreements: list[dict]) -> None:
    collaboration = reading.principles.get("collaboration", {})
    if step.priority == scoring.NOW:
        step.headline = (
            "Agree who owns each model and each handoff between data science, "
            "engineering and operations."
        )
    elif disagreements:
        step.headline = (
            "Talk through where a team's answers split: a shared picture comes before shared work."
        )
    else:
        step.headline = "Keep the groups working together as they do."
    step.actions = [f"Collaboration: {level_text(collaboration.get('level'))}."]
    rung = reading.rung_text("collaboration")
    if rung and step.priority != scoring.LATER:
        step.actions.append(rung)


def iterate_step(reading: Reading, step: Step) -> None:
    step.headline = (
        f"Run the next round in about {NEXT_ROUND_MONTHS} months, with the same scope, "
        "once the “now” steps are under way."
    )
    trend = reading.data.get("trend")
    if not trend or trend.get("average") is None:
        step.actions = ["This is the first round of this scope: the next shows the change."]
        return
    step.actions = [f"Since {trend['round']}: {signed(trend['average'])} on average."]
    clear = trend.get("clear", {})
    changes = [
        (delta, reading.name(key))
        for key, delta in trend["principles"].items()
        if delta is not None and clear.get(key, True) is not False
    ]
    if changes:
        best, worst = max(changes), min(changes)
        if best[0] > 0:
            step.actions.append(f"Biggest gain: {best[1]} ({signed(best[0])}).")
        if worst[0] < 0:
            step.actions.append(f"Biggest drop: {worst[1]} ({signed(worst[0])}).")
    unclear = [reading.name(key) for key, is_clear in clear.items() if is_clear is False]
    if unclear:
        step.actions.append(
            "No clear change (within about two standard errors, a rule of ours): "
            + ", ".join(unclear)
            + "."
        )


# What the guide's tool landscape has no category for: CI, and code (not data) in version
# control. A pilot on them is told so instead of being offered data versioning tools.
NOT_IN_THE_LANDSCAPE = {"continuous-integration"}
NOT_IN_THE_LANDSCAPE_QUESTIONS = {"version-control-code"}


VERDICT_TITLES = {
    scoring.FIT_NOT_YET: "Not yet: get a first model into production",
    scoring.FIT_PRACTISING: "You already practise MLOps: here is what to improve",
    scoring.FIT_GOOD: "MLOps is a good fit for you",
    scoring.FIT_BORDERLINE: "Borderline: MLOps may fit, once the gaps below are closed",
    scoring.FIT_FOUNDATIONS_FIRST: "Build the foundations first",
}


def team_lines(reading: Reading) -> list[str]:
    """Each shown team's short roadmap: its stage and its own pilots, each with its next rung
    (without counts: see aggregation.team_roadmaps)."""
    lines = []
    for team in reading.data.get("team_roadmaps", []):
        stage = team["stage"]["name"] if team.get("stage") else "not rated"
        head = f"{team['team']}: {stage}, readiness {level_text(team['readiness']['average'])}."
        if not team["pilots"]:
            lines.append(f"{head} No practice is weak enough to call for a pilot of its own.")
            continue
        pilots = []
        for pilot in team["pilots"]:
            text = reading.name(pilot["principle"]).lower()
            if rung := pilot.get("rung"):
                question = reading.question_texts.get(rung["question"], rung["question"])
                text += (
                    f" ({question} Today, mostly: “{rung['now_label']}”; next: "
                    f"“{rung['next_label']}”.)"
                )
            pilots.append(text)
        plural = "s" if len(pilots) > 1 else ""
        lines.append(f"{head} Its first pilot{plural}: {'; then '.join(pilots)}")
    return lines


def verdict_title(verdict: str) -> str:
    """The verdict in words, the dashboard's and the PDF's alike."""
    return VERDICT_TITLES.get(verdict, VERDICT_TITLES[scoring.FIT_FOUNDATIONS_FIRST])


def verdict_text(fit: dict, question_texts: dict[str, str]) -> tuple[str, str, list[str]]:
    """The verdict's title, its reason, and the lines under it."""
    verdict = fit["verdict"]

    def answered(row: dict) -> str:
        text = question_texts.get(row["key"], row["key"])
        return f"{text} {row['answer'].capitalize()} ({row['yes']} yes, {row['no']} no)"

    lines = []
    if verdict != scoring.FIT_NOT_YET:
        for label, rows in (("Need", fit.get("need", [])), ("Capacity", fit.get("capacity", []))):
            if rows:
                yes = sum(row["answer"] == "yes" for row in rows)
                lines.append(
                    f"{label}: {yes} of {len(rows)} yes. " + "; ".join(map(answered, rows))
                )
    reason = (
        f"{fit['yes_count']} of the guide's {len(fit['questions'])} checklist questions were "
        f"answered yes by most of you, {fit.get('no_count', 0)} no."
    )
    if verdict == scoring.FIT_NOT_YET:
        reason = "Most of you said no model of yours runs in production. " + reason
    return verdict_title(verdict), reason, lines


# The guide's checklist on capacity: without a dedicated team MLOps must make responsibilities
# clear; it needs investment in tools, technology and training. The wording is ours.
CAPACITY_ACTIONS = {
    "fit-dedicated-team": "agree who owns deploying and running models (most say no team does)",
    "fit-resources": "budget for tools, infrastructure and training (most say you lack them)",
}


def top_actions(reading: Reading, steps: list[Step]) -> list[str]:
    """The summary's actions: what the verdict asks first, then the "now" steps' headlines in
    TOP_ACTION_ORDER, at most TOP_ACTIONS."""
    actions = []
    if reading.verdict == scoring.FIT_NOT_YET:
        actions.append(
            "Get a first model into production, with an owner, before building MLOps around it."
        )
    missing = [
        CAPACITY_ACTIONS[row["key"]]
        for row in reading.data["fit"].get("capacity", [])
        if row["answer"] == "no" and row["key"] in CAPACITY_ACTIONS
    ]
    if missing and reading.verdict in (scoring.FIT_GOOD, scoring.FIT_BORDERLINE):
        actions.append("Settle capacity before the pilots: " + "; ".join(missing) + ".")
    floor = reading.data["readiness"].get("floor_principle")
    rung = reading.rung_text(floor) if floor else None
    if reading.verdict == scoring.FIT_PRACTISING and rung:
        # What to improve, as the verdict promises: the floor's next rung.
        actions.append(f"Raise your floor, {reading.name(floor).lower()}: {rung}")
    by_key = {step.key: step for step in steps}
    for key in TOP_ACTION_ORDER:
        step = by_key.get(key)
        if step and step.priority == scoring.NOW and len(actions) < TOP_ACTIONS:
            actions.append(step.headline)
    return actions


def roadmap(
    data: dict,
    *,
    question_texts: dict[str, str],
    solutions: dict[str, str],
    tool_categories: list[dict],
    principle_tools: dict[str, str],
) -> Roadmap:
    """The report's reading of one round result. `principle_tools` maps a principle's key to
    the key of its category in the guide's tool landscape (`tool_categories`)."""
    reading = Reading(data, question_texts, solutions, tool_categories, principle_tools)
    disagreements = [
        {**row, "text": question_texts.get(row["question"], row["question"])}
        for row in data["disagreements"]
    ]
    wording = {
        "goals": goals_step,
        "assess": lambda reading, step: assess_step(reading, step, disagreements),
        "tools": tools_step,
        "automation": automation_step,
        "monitoring": monitoring_step,
        "collaboration": lambda reading, step: collaboration_step(reading, step, disagreements),
        "iterate": iterate_step,
    }
    steps = []
    for stored in data["roadmap"]["steps"]:
        step = Step(
            number=stored["number"],
            key=stored["key"],
            title=stored["title"],
            priority=stored["priority"],
            purpose=STEP_PURPOSE[stored["key"]],
            headline="",
        )
        wording[step.key](reading, step)
        steps.append(step)

    title, reason, lines = verdict_text(data["fit"], question_texts)
    readiness = data["readiness"]["average"]
    return Roadmap(
        verdict=data["fit"]["verdict"],
        verdict_title=title,
        verdict_reason=reason,
        verdict_noes=lines,
        top_actions=top_actions(reading, steps),
        steps=steps,
        challenges=[
            {
                **row,
                "solution": solutions.get(row["key"], "")
                if row["reported"] or row.get("inferred")
                else "",
            }
            for row in data["challenges"]
        ],
        disagreements=disagreements,
        trends=FUTURE_TRENDS if readiness is not None and readiness >= scoring.GOOD_LEVEL else [],
        teams=team_lines(reading),
    )
