"""Objects built from the settings once per process, built again after a setting changes
(Django sends `setting_changed` when a test overrides one)."""

from django.core.signals import setting_changed


def per_settings(build):
    """A function returning `build()`, made on first call and again after a change.
    Reading Django's settings object costs microseconds an attribute: hot paths read it
    through one of these instead."""
    made = []

    def current():
        if not made:
            made.append(build())
        return made[0]

    setting_changed.connect(lambda **kwargs: made.clear(), weak=False)
    return current
