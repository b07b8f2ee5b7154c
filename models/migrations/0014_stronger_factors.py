from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.passkey import PasskeyCeremony
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0013_reminders')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Passkey',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, exposed only as a global id.')),
                ('operator', fields.ForeignKeyField('models.Operator', source_field='operator_id', description='Whose passkey this is.', db_constraint=True, to_field='id', related_name='passkeys', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(description="The operator's name for it.", max_length=100)),
                ('credential_id', fields.CharField(unique=True, description="The credential's id as the authenticator gave it (base64url, at most 1,023 bytes before encoding): how an assertion names its credential.", max_length=1400)),
                ('public_key', fields.TextField(description="The credential's public key, COSE-encoded, base64url (nothing secret).", unique=False)),
                ('sign_count', fields.BigIntField(default=0, description="The authenticator's signature counter at its last use: an assertion that does not raise it (when either is non-zero) is refused as a possible clone.")),
                ('transports', fields.JSONField(default=list, description='How the browser can reach it (usb, nfc, internal, ...).', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(description='When it was registered.', auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, description='When an assertion with it was last accepted, null if never.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'passkeys', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A WebAuthn credential registered by an operator as a second factor.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PasskeyChallenge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('operator', fields.ForeignKeyField('models.Operator', source_field='operator_id', description='The operator who must answer it.', db_constraint=True, to_field='id', related_name='passkey_challenges', on_delete=OnDelete.CASCADE)),
                ('ceremony', fields.CharEnumField(description='Registration, login or reauthentication.', enum_type=PasskeyCeremony, max_length=20)),
                ('challenge', fields.CharField(unique=True, description='The challenge, base64url: not a secret (the browser shows it to the authenticator), only single use.', max_length=64)),
                ('login_challenge', fields.ForeignKeyField('models.OneTimeToken', source_field='login_challenge_id', null=True, db_index=True, description='For LOGIN: the login challenge it belongs to (it goes with it).', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('session', fields.ForeignKeyField('models.Session', source_field='session_id', null=True, db_index=True, description='For REGISTRATION from settings and for REAUTHENTICATION: the session that asked (it goes with it).', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(description='When it was issued.', auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(description='After this it is refused.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'passkey_challenges', 'app': 'models', 'indexes': [Index(fields=['operator_id', 'ceremony'])], 'pk_attr': 'id', 'table_description': 'A random challenge handed to the browser, accepted once, before it expires.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrustedDevice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, exposed only as a global id.')),
                ('operator', fields.ForeignKeyField('models.Operator', source_field='operator_id', description='Whose device this is: the token skips the second factor for them only.', db_constraint=True, to_field='id', related_name='trusted_devices', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, description='SHA-256 hex of the device token, never the token.', max_length=64)),
                ('ip_address', fields.CharField(null=True, description="The client's address when it was remembered.", max_length=45)),
                ('user_agent', fields.CharField(null=True, description="The client's User-Agent when it was remembered.", max_length=512)),
                ('created_at', fields.DatetimeField(description='When the operator chose to remember it.', auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, description='When a login last skipped the second factor with it.', auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(description="After this the token is refused (the account's days from its creation).", auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trusted_devices', 'app': 'models', 'indexes': [Index(fields=['operator_id', 'expires_at'])], 'pk_attr': 'id', 'table_description': 'A remembered browser, found by the SHA-256 hash of its device token.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Account',
            name='trusted_device_days',
            field=fields.IntField(default=0, description='Days a browser remembered at the second factor skips it (0 to 30, 0 is off).', db_default=0),
        ),
        ops.AddField(
            model_name='Session',
            name='trusted_device',
            field=fields.ForeignKeyField('models.TrustedDevice', source_field='trusted_device_id', null=True, description='The remembered browser whose device token opened this session, null otherwise: forgetting the browser ends the sessions it opened.', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE),
        ),
        ops.AddIndex(
            model_name='Session',
            index=Index(fields=['trusted_device_id']),
        ),
    ]
