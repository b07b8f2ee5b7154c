from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0007_administration')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RecoveryCode',
            name='code_sealed',
            field=fields.TextField(null=True, description="Fernet token of a random HMAC-SHA256 key and the code's HMAC under it, null for codes issued before it (checked with code_hash).", unique=False),
        ),
    ]
