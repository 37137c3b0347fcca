from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organization and its `seed_demo` command. It sits above the three product apps,
    since it fills all three."""

    name = "demo"
