from django import template

from reports.roadmap import verdict_title as title_of_verdict

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """A dict's value for a key held in a variable (templates can only use literal keys)."""
    return mapping.get(key) if mapping else None


@register.filter
def verdict_title(verdict: str) -> str:
    return title_of_verdict(verdict)
