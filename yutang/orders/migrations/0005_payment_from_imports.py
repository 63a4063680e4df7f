"""Payment moves from the imports app to orders (money received): the same table, so only
Django's idea of which app holds it changes; nothing is done to the database."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0004_order_import_ref_unique_per_seller'),
        ('imports', '0004_payment_unique_transaction_per_importer'),
        ('customers', '0008_customerstats_from_analytics'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Payment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(choices=[('wechat', 'WeChat Pay'), ('alipay', 'Alipay')], max_length=8, verbose_name='source')),
                        ('transaction_id', models.CharField(max_length=64, verbose_name='transaction ID')),
                        ('occurred_at', models.DateTimeField(verbose_name='time')),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='amount')),
                        ('counterparty', models.CharField(blank=True, max_length=100, verbose_name='counterparty')),
                        ('counterparty_account', models.CharField(blank=True, max_length=100, verbose_name='counterparty account')),
                        ('product', models.CharField(blank=True, max_length=200, verbose_name='item')),
                        ('refunded_at', models.DateTimeField(blank=True, null=True, verbose_name='refunded')),
                        ('created', models.DateTimeField(default=django.utils.timezone.now)),
                        ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='payments', to='customers.customer')),
                        ('imported_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('order', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='payments', to='orders.order')),
                    ],
                    options={
                        'verbose_name': 'payment',
                        'verbose_name_plural': 'payments',
                        'db_table': 'imports_payment',
                        'ordering': ['-occurred_at', '-id'],
                        'constraints': [models.UniqueConstraint(fields=('source', 'transaction_id', 'imported_by'), name='payment_unique_transaction_per_importer'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_amount_positive')],
                    },
                ),
            ],
        ),
    ]
