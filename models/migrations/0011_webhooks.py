from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_api_keys')]

    initial = False

    operations = [
        ops.CreateModel(
            name='WebhookEndpoint',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, exposed only as a global id.')),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', description='The account whose events the endpoint receives.', db_constraint=True, to_field='id', related_name='webhook_endpoints', on_delete=OnDelete.CASCADE)),
                ('url', fields.CharField(description='Where deliveries are POSTed.', max_length=2048)),
                ('description', fields.CharField(null=True, description='What the endpoint is for, as its creator wrote.', max_length=500)),
                ('event_types', fields.JSONField(description='The event types (wire names) the endpoint receives, in a fixed order.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('enabled', fields.BooleanField(default=True, description='Whether events are delivered (false after 24 h of failures).')),
                ('secret_encrypted', fields.TextField(description='Fernet token of the signing secret (whsec_…), which deliveries need whole.', unique=False)),
                ('previous_secret_encrypted', fields.TextField(null=True, description='Fernet token of the secret before the last rotation, if any.', unique=False)),
                ('previous_secret_expires_at', fields.DatetimeField(null=True, description='Until then the previous secret signs beside the current one.', auto_now=False, auto_now_add=False)),
                ('created_by', fields.ForeignKeyField('models.Operator', source_field='created_by_id', null=True, description='The administrator who created the endpoint (null once deleted).', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(description='When the endpoint was created.', auto_now=False, auto_now_add=False)),
                ('failing_since', fields.DatetimeField(null=True, description='The first failed attempt since the last success (null while it succeeds).', auto_now=False, auto_now_add=False)),
                ('disabled_at', fields.DatetimeField(null=True, description='When deliveries stopped: disabled by hand or after failing.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_endpoints', 'app': 'models', 'indexes': [Index(fields=['account_id', 'id'])], 'pk_attr': 'id', 'table_description': "A URL of the account's that receives the events it subscribed to, signed."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WebhookDelivery',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, exposed only as a global id.')),
                ('endpoint', fields.ForeignKeyField('models.WebhookEndpoint', source_field='endpoint_id', description='Where the event goes.', db_constraint=True, to_field='id', related_name='deliveries', on_delete=OnDelete.CASCADE)),
                ('account_id', fields.IntField(description="The endpoint's account, kept here so that claims share the sender fairly.")),
                ('event_id', fields.CharField(description="The event's id (webhook-id), the same for every endpoint and redelivery.", max_length=40)),
                ('event_type', fields.CharField(description="The event's wire name.", max_length=64)),
                ('payload', fields.TextField(description='The JSON body as sent: type, timestamp and ids, never a secret.', unique=False)),
                ('status', fields.CharField(description='PENDING, SUCCEEDED, FAILED or GIVEN_UP (a delivery status).', max_length=16)),
                ('attempts', fields.IntField(default=0, description='Attempts made so far.')),
                ('created_at', fields.DatetimeField(description='When the delivery was queued.', auto_now=False, auto_now_add=False)),
                ('last_attempt_at', fields.DatetimeField(null=True, description='When it was last tried.', auto_now=False, auto_now_add=False)),
                ('next_attempt_at', fields.DatetimeField(null=True, description='When it is tried next (null once it succeeded or was given up).', auto_now=False, auto_now_add=False)),
                ('response_status', fields.IntField(null=True, description='The HTTP status of the last answer (null when none came).')),
                ('last_error', fields.CharField(null=True, description='Why the last attempt failed, for administrators.', max_length=300)),
                ('claimed_until', fields.DatetimeField(null=True, description='A sender holds the delivery until then, others leave it alone.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'webhook_deliveries', 'app': 'models', 'indexes': [Index(fields=['endpoint_id', 'id']), Index(fields=['next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One event on its way to one endpoint: its body, fixed when the event happened.'},
            bases=['Model'],
        ),
    ]
