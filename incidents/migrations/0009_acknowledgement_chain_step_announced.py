"""Each step of an escalation chain is announced to the on-call tools once (alert.escalated)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0008_indicator_pdq_chunk_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='acknowledgement',
            name='chain_step_announced',
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
