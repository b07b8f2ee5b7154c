import secrets

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

async def fill_new_keys(apps, schema_editor):
    """Fill email_folded and name_key, and free the emails that invitations held.

    Until now every operator's email_key was their case-folded email, unique across the
    system; an invited operator now holds a placeholder instead, so that an invitation
    reserves nothing.
    """
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    marks = ("$1", "$2", "$3", "$4") if postgres else ("?", "?", "?", "?")
    rows = await client.execute_query_dict("SELECT id, email_key, name, status FROM operators")
    for row in rows:
        key = row["email_key"]
        login_key = key if row["status"] == "ACTIVE" else "#" + secrets.token_hex(16)
        await client.execute_query(
            f"UPDATE operators SET email_folded = {marks[0]}, name_key = {marks[1]}, "
            f"email_key = {marks[2]} WHERE id = {marks[3]}",
            [key, row["name"].casefold(), login_key, row["id"]],
        )


class Migration(migrations.Migration):
    dependencies = [('models', '0006_session_assurance')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEvent',
            name='ip_address',
            field=fields.CharField(null=True, description="The client's address, when a request caused it.", max_length=45),
        ),
        ops.AddField(
            model_name='AuditEvent',
            name='user_agent',
            field=fields.CharField(null=True, description="The client's User-Agent, when a request caused it.", max_length=512),
        ),
        ops.AddIndex(
            model_name='AuditEvent',
            index=Index(fields=['account_id', 'created_at']),
        ),
        ops.AddField(
            model_name='Operator',
            name='email_folded',
            field=fields.CharField(default='', description='Case-folded email of any status, unique within an account, for lookups.', db_default='', max_length=254),
        ),
        ops.AddField(
            model_name='Operator',
            name='invited_at',
            field=fields.DatetimeField(null=True, description='When the latest invitation was sent, null if never invited.', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Operator',
            name='invited_by',
            field=fields.ForeignKeyField('models.Operator', source_field='invited_by_id', null=True, description='Who sent the latest invitation, null if unknown or removed.', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Operator',
            name='last_login_at',
            field=fields.DatetimeField(null=True, description='When a session was last issued to the operator.', auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Operator',
            name='name_key',
            field=fields.CharField(default='', description='Case-folded name, for case-insensitive search.', db_default='', max_length=200),
        ),
        ops.AddIndex(
            model_name='Operator',
            index=Index(fields=['account_id', 'email_folded']),
        ),
        ops.AddIndex(
            model_name='Operator',
            index=Index(fields=['account_id', 'name_key']),
        ),
        ops.RunPython(fill_new_keys),
        ops.RunSQL('CREATE UNIQUE INDEX "uniq_operators_account_email" ON "operators" ("account_id", "email_folded")'),
    ]
