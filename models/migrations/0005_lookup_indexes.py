from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_throttle_window')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AuditEvent',
            index=Index(fields=['account_id', 'target_id']),
        ),
        ops.AddIndex(
            model_name='AuditEvent',
            index=Index(fields=['account_id', 'actor_id']),
        ),
        ops.AddIndex(
            model_name='RecoveryCode',
            index=Index(fields=['operator_id', 'used_at']),
        ),
        ops.AddIndex(
            model_name='Session',
            index=Index(fields=['operator_id', 'expires_at']),
        ),
    ]
