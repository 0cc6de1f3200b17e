"""Staff keep the search's synonyms here; the next search reads them (no cache to clear)."""

from django.contrib import admin

from search.models import Synonym


@admin.register(Synonym)
class SynonymAdmin(admin.ModelAdmin):
    list_display = ["phrase", "alternatives_shown"]
    search_fields = ["phrase"]
    ordering = ["phrase"]

    @admin.display(description="Also finds")
    def alternatives_shown(self, synonym: Synonym) -> str:
        return ", ".join(synonym.alternatives)
