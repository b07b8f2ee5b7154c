from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from models.enums import OperatorRole, OperatorStatus, TokenPurpose, TwoFactorMode
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Account',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, exposed only as a global id.')),
                ('name', fields.CharField(description='Display name of the account.', max_length=200)),
                ('two_factor_default', fields.CharEnumField(default=TwoFactorMode.OPTIONAL, description='Account-wide two-factor mode, applied to operators without an override.', enum_type=TwoFactorMode, max_length=16)),
                ('created_at', fields.DatetimeField(description='When the account was created.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'accounts', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A customer account whose administrators set the two-factor policy of its operators.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Operator',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, exposed only as a global id.')),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', description='The account this operator belongs to.', db_constraint=True, to_field='id', related_name='operators', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(description='Email address as the operator gave it.', max_length=254)),
                ('email_key', fields.CharField(unique=True, description='Case-folded email: the unique, case-insensitive login key.', max_length=254)),
                ('name', fields.CharField(description='Display name.', max_length=200)),
                ('role', fields.CharEnumField(description='What they may do.', enum_type=OperatorRole, max_length=16)),
                ('status', fields.CharEnumField(description='INVITED until the invitation is accepted.', enum_type=OperatorStatus, max_length=16)),
                ('uses_single_sign_on', fields.BooleanField(default=False, description='Signs in through an identity provider, TOTP never applies.')),
                ('two_factor_override', fields.CharEnumField(null=True, description='Mode that wins over the account default, null follows the default.', enum_type=TwoFactorMode, max_length=16)),
                ('password_hash', fields.CharField(null=True, description='argon2id hash of the password, null until set.', max_length=255)),
                ('created_at', fields.DatetimeField(description='When the operator was created or invited.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'operators', 'app': 'models', 'indexes': [Index(fields=['account_id', 'id'])], 'pk_attr': 'id', 'table_description': 'A person who signs in to one account, with their own two-factor override.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, also the order of events.')),
                ('account', fields.ForeignKeyField('models.Account', source_field='account_id', description='The account the event belongs to.', db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('models.Operator', source_field='actor_id', null=True, description='Who acted, null for the system or an anonymous caller.', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('target', fields.ForeignKeyField('models.Operator', source_field='target_id', null=True, description='The operator the event is about, if any.', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('kind', fields.CharField(description='What happened (an AuditEventKind value).', max_length=64)),
                ('details', fields.JSONField(default=dict, description='Non-secret facts about the event.', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(description='When it happened.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'audit_events', 'app': 'models', 'indexes': [Index(fields=['account_id', 'id'])], 'pk_attr': 'id', 'table_description': 'One change or security event in an account, with who did it and to whom.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Authenticator',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('operator', fields.OneToOneField('models.Operator', source_field='operator_id', description='Whose authenticator this is (one per operator).', db_constraint=True, to_field='id', related_name='authenticator', on_delete=OnDelete.CASCADE)),
                ('secret_encrypted', fields.TextField(description='Fernet token of the base32 TOTP secret.', unique=False)),
                ('confirmed_at', fields.DatetimeField(null=True, description='When a code confirmed the enrollment, null while pending.', auto_now=False, auto_now_add=False)),
                ('pending_expires_at', fields.DatetimeField(null=True, description='When an unconfirmed enrollment lapses, null once confirmed.', auto_now=False, auto_now_add=False)),
                ('last_used_step', fields.BigIntField(default=0, description='Latest TOTP time step accepted, older or equal steps are refused.')),
                ('created_at', fields.DatetimeField(description='When the secret was generated.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'authenticators', 'app': 'models', 'pk_attr': 'id', 'table_description': "An operator's TOTP secret: pending until a code confirms it, then configured."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OneTimeToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('operator', fields.ForeignKeyField('models.Operator', source_field='operator_id', description='The operator the token acts for.', db_constraint=True, to_field='id', related_name='one_time_tokens', on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='Which flow step the token unlocks.', enum_type=TokenPurpose, max_length=32)),
                ('token_hash', fields.CharField(unique=True, description='SHA-256 hex of the token, never the token.', max_length=64)),
                ('created_at', fields.DatetimeField(description='When it was issued.', auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(description='After this the token is refused.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'one_time_tokens', 'app': 'models', 'indexes': [Index(fields=['operator_id', 'purpose'])], 'pk_attr': 'id', 'table_description': 'A random token for one step of a flow, stored as its SHA-256 hash, consumed on use.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RecoveryCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('operator', fields.ForeignKeyField('models.Operator', source_field='operator_id', description='Whose code this is.', db_constraint=True, to_field='id', related_name='recovery_codes', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(description='argon2id hash of the code.', max_length=255)),
                ('used_at', fields.DatetimeField(null=True, description='When it was used, null while unused.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'recovery_codes', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A single-use code that stands in for a TOTP code, stored only as an argon2id hash.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('operator', fields.ForeignKeyField('models.Operator', source_field='operator_id', description='Who is signed in.', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, description='SHA-256 hex of the bearer token, never the token.', max_length=64)),
                ('created_at', fields.DatetimeField(description='When the session was issued.', auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(db_index=True, description='After this the token is refused.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sessions', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A signed-in operator, found by the SHA-256 hash of its bearer token.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Throttle',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key.')),
                ('key', fields.CharField(unique=True, description="What is being guessed at, e.g. a login email or an operator's codes.", max_length=300)),
                ('failures', fields.IntField(default=0, description='Failed attempts since the last success.')),
                ('locked_until', fields.DatetimeField(null=True, description='Attempts before this instant are refused unseen.', auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'throttles', 'app': 'models', 'pk_attr': 'id', 'table_description': 'Consecutive failed attempts against one key, and the lock they earned.'},
            bases=['Model'],
        ),
    ]
