from django.contrib import admin

from .models import Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["round", "page_size", "status", "requested_at", "finished_at"]
    list_filter = ["status", "page_size"]
    list_select_related = ["round"]
    readonly_fields = ["round", "result", "file", "error", "requested_by", "finished_at"]
