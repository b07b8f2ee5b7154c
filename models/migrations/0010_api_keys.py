from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_known_addresses')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ApiKey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, exposed only as a global id.')),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', description='The account the key acts for.', db_constraint=True, to_field='id', related_name='api_keys', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(description='What the key is for, as its creator named it.', max_length=200)),
                ('scopes', fields.JSONField(description='What the key may do (ApiKeyScope values), in a fixed order.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('prefix', fields.CharField(description="The secret's first characters, shown so that people can tell keys apart.", max_length=16)),
                ('digest', fields.CharField(unique=True, description='SHA-256 hex of the secret, never the secret.', max_length=64)),
                ('created_by', fields.ForeignKeyField('models.Operator', source_field='created_by_id', null=True, description='The administrator who created the key (null once they are deleted).', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(description='When the key was created.', auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(description='After this the key is refused.', auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, description='When a request last used the key (written at most once a minute).', auto_now=False, auto_now_add=False)),
                ('last_used_address', fields.CharField(null=True, description='The client address of that request, if known.', max_length=45)),
                ('revoked_at', fields.DatetimeField(null=True, description='When an administrator revoked the key, which is refused from then on.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_keys', 'app': 'models', 'indexes': [Index(fields=['account_id', 'id'])], 'pk_attr': 'id', 'table_description': "A credential a script or a partner's back end sends instead of a person's session."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='api_key',
            field=fields.ForeignKeyField('models.ApiKey', source_field='api_key_id', null=True, description='The API key that acted, when a key did (actor is then null).', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
    ]
