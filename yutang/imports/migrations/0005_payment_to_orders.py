"""Payment is an orders model now, on the same table: only the imports app's state forgets it."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('imports', '0004_payment_unique_transaction_per_importer'),
        ('orders', '0005_payment_from_imports'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='Payment')],
        ),
    ]
