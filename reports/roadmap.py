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


NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}


def and_join(names: list[str]) -> str:
    """ "a", "a and b", "a, b and c", in lower case."""
    names = [name.lower() for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def level_text(level: float | None) -> str:
    return "not rated" if level is None else f"{level:g} of 4"


def share_text(part: int, whole: int) -> str:
    return f"{part} of {whole}" if whole else str(part)


def signed(value: float) -> str:
    return f"+{value:g}" if value > 0 else f"{value:g}"


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
    principles = {row["key"]: row for row in data["principles"]}
    challenges = {row["key"]: row for row in data["challenges"]}
    responses = data["responses"]
    disagreements = [
        {**row, "text": question_texts.get(row["question"], row["question"])}
        for row in data["disagreements"]
    ]

    def name(key: str) -> str:
        return principles[key]["name"] if key in principles else key

    def weak(key: str) -> bool:
        level = principles.get(key, {}).get("level")
        return level is not None and level < scoring.WEAK_LEVEL

    steps = []
    for stored in data["roadmap"]["steps"]:
        key = stored["key"]
        step = Step(
            number=stored["number"],
            key=key,
            title=stored["title"],
            priority=stored["priority"],
            purpose=STEP_PURPOSE[key],
            headline="",
        )
        if key == "goals":
            goals = data["goals"]
            if goals and stored["priority"] == scoring.LATER:
                step.headline = (
                    f"Measure “{goals[0]['label']}” now, the goal most of you share, so the "
                    "next round can show the change."
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
        elif key == "assess":
            readiness = data["readiness"]
            weakest = data["roadmap"]["weakest"]
            if len(disagreements) > 1:
                start = f", starting with the {len(disagreements)} questions you answered most "
                start += "differently."
            elif disagreements:
                start = ", starting with the question you answered most differently."
            else:
                start = "."
            step.headline = "Walk the team through this report" + start
            step.actions = [
                f"Readiness: {level_text(readiness['average'])} on average; the floor is "
                f"{level_text(readiness['floor'])}, in {name(readiness['floor_principle'])}."
                if readiness["average"] is not None
                else "Readiness: not rated yet.",
            ]
            if weakest:
                step.actions.append(
                    "Weakest principles: "
                    + ", ".join(
                        f"{name(key)} ({level_text(principles[key]['level'])})" for key in weakest
                    )
                    + "."
                )
            step.actions.append(
                f"{len(disagreements)} questions with strongly different answers: see “Where "
                "you disagree”."
                if disagreements
                else "No question with strongly different answers: you share one picture."
            )
        elif key == "tools":
            weak_keys = sorted(
                (key for key in principles if weak(key)), key=lambda key: principles[key]["level"]
            )
            categories = {category["key"]: category for category in tool_categories}
            chosen: dict[str, dict] = {}
            for principle in weak_keys:
                category = categories.get(principle_tools.get(principle, ""))
                if category:
                    entry = chosen.setdefault(category["key"], {**category, "for": []})
                    entry["for"].append(name(principle))
            step.tools = list(chosen.values())
            if step.tools:
                first = step.tools[0]
                step.headline = (
                    f"Shortlist {first['name'].lower()} for {' and '.join(first['for']).lower()}"
                    f", your weakest {'practices' if len(first['for']) > 1 else 'practice'}."
                )
            else:
                step.headline = (
                    f"No practice is below {scoring.WEAK_LEVEL:g}: keep your tools, and revisit "
                    "them as your needs grow."
                )
        elif key == "automation":
            pilots = data["roadmap"]["pilots"]
            chosen_keys = [pilot["principle"] for pilot in pilots]
            if pilots:
                names = [name(key).lower() for key in chosen_keys]
                step.headline = (
                    f"Start small with {NUMBER_WORDS[len(pilots)]} automation "
                    f"pilot{'s' if len(pilots) > 1 else ''}: {', then '.join(names)}."
                )
                step.actions = [f"{pilot['reason']}." for pilot in pilots]
                # A weak practice that waits for a pilot says so, as the guide's order asks.
                for key, prerequisites in scoring.PREREQUISITES.items():
                    waiting_for = [p for p in prerequisites if p in chosen_keys]
                    if weak(key) and key not in chosen_keys and waiting_for:
                        step.actions.append(
                            f"{name(key)} is low too, but waits for "
                            f"{name(waiting_for[0]).lower()}: "
                            f"{name(waiting_for[0]).lower()} before {name(key).lower()}."
                        )
            else:
                step.headline = (
                    "No practice is weak enough to call for a pilot: extend the automation "
                    "you have."
                )
        elif key == "monitoring":
            monitoring = principles.get("monitoring", {})
            drift = [challenges[key] for key in DRIFT_CHALLENGES if key in challenges]
            flagged = [row for row in drift if row["reported"] or row.get("inferred")]
            if flagged:
                step.headline = (
                    f"Set up monitoring and alerts for {and_join([r['name'] for r in flagged])}."
                )
            else:
                step.headline = "Keep monitoring as it is, and alert on what matters most."
            step.actions = [f"Monitoring: {level_text(monitoring.get('level'))}."]
            if monitoring.get("dont_know_share"):
                step.actions.append(
                    f"{round(monitoring['dont_know_share'] * 100)}% of answers on monitoring "
                    "were “don't know”: make what is watched, and by whom, visible."
                )
            step.actions += [
                f"{row['name']}: severity {row['severity']:g} of 3"
                + (f"; likely too, as {'; '.join(row['inferred'])}" if row.get("inferred") else "")
                + "."
                for row in drift
                if row["severity"] is not None
            ]
        elif key == "collaboration":
            collaboration = principles.get("collaboration", {})
            lack = challenges.get("lack-of-collaboration")
            if stored["priority"] == scoring.NOW:
                step.headline = (
                    "Agree who owns each model and each handoff between data science, "
                    "engineering and operations."
                )
            elif disagreements:
                step.headline = (
                    "Talk through where you disagree: a shared picture comes before shared work."
                )
            else:
                step.headline = "Keep the groups working together as they do."
            step.actions = [f"Collaboration: {level_text(collaboration.get('level'))}."]
            if lack and lack["severity"] is not None:
                step.actions.append(f"Lack of collaboration: severity {lack['severity']:g} of 3.")
        elif key == "iterate":
            step.headline = (
                f"Run the next round in about {NEXT_ROUND_MONTHS} months, with the same scope, "
                "once the “now” steps are under way."
            )
            trend = data.get("trend")
            if trend and trend.get("average") is not None:
                changes = [
                    (delta, name(key))
                    for key, delta in trend["principles"].items()
                    if delta is not None
                ]
                step.actions = [f"Since {trend['round']}: {signed(trend['average'])} on average."]
                if changes:
                    best, worst = max(changes), min(changes)
                    if best[0] > 0:
                        step.actions.append(f"Biggest gain: {best[1]} ({signed(best[0])}).")
                    if worst[0] < 0:
                        step.actions.append(f"Biggest drop: {worst[1]} ({signed(worst[0])}).")
            else:
                step.actions = ["This is the first round of this scope: the next shows the change."]
        steps.append(step)

    fit = data["fit"]
    no_questions = [row for row in fit["questions"] if not row["majority_yes"]]
    good_fit = fit["verdict"] == scoring.FIT_GOOD
    reason = (
        f"{fit['yes_count']} of the guide's {len(fit['questions'])} checklist questions were "
        "answered yes by most of you" + (", but not these:" if no_questions else ".")
    )

    by_key = {step.key: step for step in steps}
    top_actions = []
    if not good_fit:
        top_actions.append(
            "Build the foundations first: get models into production and give them an owner "
            "before investing in MLOps tooling."
        )
    for key in TOP_ACTION_ORDER:
        if len(top_actions) == TOP_ACTIONS:
            break
        step = by_key.get(key)
        if step and step.priority == scoring.NOW:
            top_actions.append(step.headline)

    readiness = data["readiness"]["average"]
    return Roadmap(
        verdict=fit["verdict"],
        verdict_title="MLOps is a good fit for you" if good_fit else "Build the foundations first",
        verdict_reason=reason,
        verdict_noes=[question_texts.get(row["key"], row["key"]) for row in no_questions],
        top_actions=top_actions,
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
    )
