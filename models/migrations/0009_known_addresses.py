from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_recovery_code_sealed')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Throttle',
            name='last_success_at',
            field=fields.DatetimeField(null=True, description="When the right password last came through this (email, address) pair: an address the operator logged in from recently escapes the email-wide lock.", unique=False),
        ),
        ops.AlterField(
            model_name='Throttle',
            name='failures',
            field=fields.IntField(default=0, description='Failed attempts since the last success (for a login budget: the logins of its current minute).'),
        ),
        ops.AlterField(
            model_name='Throttle',
            name='last_failure_at',
            field=fields.DatetimeField(null=True, description='When the latest failure was counted, for windowed counters (for a login budget: when its current minute began).', auto_now=False, auto_now_add=False),
        ),
    ]
