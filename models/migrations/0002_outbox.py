from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True, description='Internal key, also the sending order.')),
                ('kind', fields.CharField(description='Which message this is (a MailKind).', max_length=64)),
                ('recipient', fields.CharField(description='The To address.', max_length=254)),
                ('content_encrypted', fields.TextField(description='Fernet token of the rendered message (it may hold a link token), emptied once delivered.', unique=False)),
                ('created_at', fields.DatetimeField(description='When the change that caused it committed.', auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0, description='Delivery attempts that failed so far.')),
                ('next_attempt_at', fields.DatetimeField(description='Not to be tried before this instant.', auto_now=False, auto_now_add=False)),
                ('claimed_until', fields.DatetimeField(null=True, description='A sender holds the message until then, others leave it alone.', auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, description='When the SMTP server accepted it.', auto_now=False, auto_now_add=False)),
                ('last_error', fields.CharField(null=True, description='Why the latest attempt failed, for operators.', max_length=500)),
            ],
            options={'table': 'outbox_messages', 'app': 'models', 'indexes': [Index(fields=['sent_at', 'next_attempt_at'])], 'pk_attr': 'id', 'table_description': 'One email waiting for (or past) delivery, its content encrypted at rest.'},
            bases=['Model'],
        ),
    ]
