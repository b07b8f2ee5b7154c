import secrets

from email_validator import EmailNotValidError, validate_email

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

def email_key(email):
    """The login key of an address as this release computes it (a frozen copy).

    The local part in lower case and the domain in its ASCII (IDNA) form; text the parser
    refuses keeps the old key.
    """
    try:
        parsed = validate_email(
            email.strip(), check_deliverability=False, allow_display_name=False
        )
    except EmailNotValidError:
        return email.strip().lower()
    return f"{parsed.local_part.lower()}@{parsed.ascii_domain}"


async def fill_new_keys(apps, schema_editor):
    """Fill email_folded and name_key, key emails anew, and free what invitations held.

    Until now every operator's email_key was their email in lower case, unique across the
    system; it is now computed as ``email_key`` above, and an invited operator holds a
    placeholder instead, so that an invitation reserves nothing.
    """
    client = schema_editor.client
    postgres = client.capabilities.dialect == "postgres"
    marks = ("$1", "$2", "$3", "$4") if postgres else ("?", "?", "?", "?")
    rows = await client.execute_query_dict(
        "SELECT id, email, name, status FROM operators ORDER BY id"
    )
    # Placeholders first, so that re-keying an active operator never meets an old key.
    for row in rows:
        await client.execute_query(
            f"UPDATE operators SET email_key = {marks[0]} WHERE id = {marks[1]}",
            ["#" + secrets.token_hex(16), row["id"]],
        )
    claimed = {}
    for row in rows:
        key = email_key(row["email"])
        active = row["status"] == "ACTIVE"
        if active and key in claimed:
            raise RuntimeError(
                f"Operators {claimed[key]} and {row['id']} are active with one email address "
                f"({key}) spelled two ways: change one of them, then migrate again."
            )
        if active:
            claimed[key] = row["id"]
        await client.execute_query(
            f"UPDATE operators SET email_folded = {marks[0]}, name_key = {marks[1]}, "
            f"email_key = {marks[2]} WHERE id = {marks[3]}",
            [key, row["name"].casefold(), key if active else "#" + secrets.token_hex(16),
             row["id"]],
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
