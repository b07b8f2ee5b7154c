from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_lookup_indexes')]

    initial = False

    operations = [
        # Sessions from before this release carry no record of how they were established,
        # so none of them can be shown to satisfy a REQUIRED policy: the table is made anew
        # and everyone logs in again.
        ops.DeleteModel(name='Session'),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('operator', fields.ForeignKeyField('models.Operator', source_field='operator_id', description='Who is signed in.', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, description='SHA-256 hex of the bearer token, never the token.', max_length=64)),
                ('authentication_methods', fields.JSONField(description='How the operator proved who they are (AuthenticationMethod values), in order.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('authenticated_at', fields.DatetimeField(description='When the operator last proved who they are: login, or reauthenticate.', auto_now=False, auto_now_add=False)),
                ('ip_address', fields.CharField(null=True, description="The client's address at login, if known.", max_length=45)),
                ('user_agent', fields.CharField(null=True, description="The client's User-Agent at login, if sent.", max_length=512)),
                ('last_used_at', fields.DatetimeField(description='When a request last used the session (written at most once a minute).', auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(description='When the session was issued.', auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, description='After this the token is refused.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sessions', 'app': 'models', 'indexes': [Index(fields=['operator_id', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'A signed-in operator, found by the SHA-256 hash of its bearer token.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='two_factor_grace_period_hours',
            field=fields.IntField(default=0, db_default=0, description='Hours an operator who becomes required may still log in with the password alone (0 to 720).'),
        ),
        ops.AddField(
            model_name='Operator',
            name='two_factor_configured_at',
            field=fields.DatetimeField(null=True, description='When the authenticator was confirmed, null without one (kept beside the authenticator so that authenticating a request reads one row).', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Operator',
            name='two_factor_required_since',
            field=fields.DatetimeField(null=True, description='When the effective mode last became REQUIRED for this active operator, the grace period runs from here. Null while not required, or required since before they were active (no grace).', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Throttle',
            name='scope',
            field=fields.CharField(null=True, description='Groups related keys: the hashed login email of an (email, address) key, so that failures from distinct addresses can be counted.', max_length=100),
        ),
        ops.AddIndex(
            model_name='Throttle',
            index=Index(fields=['scope', 'last_failure_at']),
        ),
        ops.RunSQL(
            "UPDATE operators SET two_factor_configured_at = (SELECT a.confirmed_at "
            "FROM authenticators a WHERE a.operator_id = operators.id)"
        ),
    ]
