from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_outbox')]

    initial = False

    operations = [
        ops.AddField(
            model_name='OutboxMessage',
            name='given_up_at',
            field=fields.DatetimeField(null=True, description='When delivery was abandoned after too many failures.', auto_now=False, auto_now_add=False),
        ),
    ]
