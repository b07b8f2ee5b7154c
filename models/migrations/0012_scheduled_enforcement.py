from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_webhooks')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Account',
            name='two_factor_enforce_from',
            field=fields.DatetimeField(null=True, description='When REQUIRED takes effect at the earliest: no setup deadline falls before it (null: at once, after the grace period).', auto_now=False, auto_now_add=False),
        ),
    ]
