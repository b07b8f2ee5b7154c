from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0014_stronger_factors')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Session',
            name='trusted_device',
            field=fields.ForeignKeyField('models.TrustedDevice', source_field='trusted_device_id', null=True, description='The remembered browser whose device token opened this session, null otherwise: forgetting the browser ends the sessions it opened.', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE),
        ),
    ]
