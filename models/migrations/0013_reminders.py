from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0012_scheduled_enforcement')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeadlineRound',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Always 1.')),
                ('checked_until', fields.DatetimeField(description='The instant of the last complete round: every deadline that came within 7 days, 1 day or passed before it was handled.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deadline_rounds', 'app': 'models', 'pk_attr': 'id', 'table_description': 'How far the reminder job has looked: one row, moved forward after every round.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeadlineWatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('account', fields.OneToOneField('models.Account', source_field='account_id', description='The account watched (one row per account).', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('grace_period_hours', fields.IntField(description="The account's grace period when the job last looked at all its operators.")),
                ('enforce_from', fields.DatetimeField(null=True, description="The account's scheduled enforcement then (null: none).", auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deadline_watches', 'app': 'models', 'pk_attr': 'id', 'table_description': "An account's deadline rule as the reminder job last applied it."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Operator',
            name='overdue_recorded_for',
            field=fields.DatetimeField(null=True, description='The setup deadline whose passing was recorded (audit event and webhook), null if none was.', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Operator',
            name='reminded_1d_for',
            field=fields.DatetimeField(null=True, description='The setup deadline whose last reminder (1 day before it at most) was emailed, null if none was.', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Operator',
            name='reminded_7d_for',
            field=fields.DatetimeField(null=True, description='The setup deadline whose first reminder (7 days before it at most) was emailed, null if none was.', auto_now=False, auto_now_add=False),
        ),
        ops.AddIndex(
            model_name='Operator',
            index=Index(fields=['two_factor_required_since']),
        ),
    ]
