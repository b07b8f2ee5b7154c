from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_outbox_give_up')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Throttle',
            name='last_failure_at',
            field=fields.DatetimeField(null=True, description='When the latest failure was counted (for windowed counters).', auto_now=False, auto_now_add=False),
        ),
    ]
