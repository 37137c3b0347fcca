from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict, key):
    """A dict's value for a key held in a variable (templates can only use literal keys)."""
    return mapping.get(key) if mapping else None
