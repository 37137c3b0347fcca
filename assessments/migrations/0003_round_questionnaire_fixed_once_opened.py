from django.db import migrations

from assessments.triggers import create_trigger, drop_trigger


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_initial")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
