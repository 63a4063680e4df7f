"""The birthday is kept as a month and a day of the calendar the customer celebrates (the year
only when known, a leap-month flag for a lunar one) instead of a solar date of birth.

Every existing birthday had a year: a solar one keeps its year, month and day; a lunar one
becomes the lunar year, month, day and leap flag of that solar date, from which the solar date
comes back (`Customer.birthday`), so nothing is lost. A lunar birthday outside the calendar's
supported range (1900–2099) cannot be converted and is kept as the solar date it was, marked
solar. Going back, a birthday without a year becomes no birthday."""

from datetime import date

from django.db import migrations, models
from django.db.models import Q

from yutang.lib.cncalendar import from_lunar, to_lunar

SOLAR, LUNAR = "solar", "lunar"


def split_birthdays(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    changed = []
    for customer in Customer.objects.filter(birthday__isnull=False).only(
        "id", "birthday", "birthday_calendar"
    ):
        born = customer.birthday
        customer.birthday_leap = False
        if customer.birthday_calendar == LUNAR:
            try:
                lunar = to_lunar(born)
            except ValueError:
                customer.birthday_calendar = SOLAR
            else:
                customer.birthday_year, customer.birthday_month = lunar.year, lunar.month
                customer.birthday_day, customer.birthday_leap = lunar.day, lunar.leap
        if customer.birthday_calendar == SOLAR:
            customer.birthday_year = born.year
            customer.birthday_month, customer.birthday_day = born.month, born.day
        changed.append(customer)
    Customer.objects.bulk_update(
        changed,
        ["birthday_calendar", "birthday_year", "birthday_month", "birthday_day", "birthday_leap"],
        batch_size=500,
    )


def join_birthdays(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    changed = []
    for customer in Customer.objects.filter(
        birthday_year__isnull=False, birthday_month__isnull=False
    ):
        try:
            if customer.birthday_calendar == LUNAR:
                customer.birthday = from_lunar(
                    customer.birthday_year,
                    customer.birthday_month,
                    customer.birthday_day,
                    leap=customer.birthday_leap,
                )
            else:
                customer.birthday = date(
                    customer.birthday_year, customer.birthday_month, customer.birthday_day
                )
        except ValueError:
            continue
        changed.append(customer)
    Customer.objects.bulk_update(changed, ["birthday"], batch_size=500)


_SOLAR_DAY = (
    Q(birthday_month__in=[1, 3, 5, 7, 8, 10, 12], birthday_day__lte=31)
    | Q(birthday_month__in=[4, 6, 9, 11], birthday_day__lte=30)
    | Q(birthday_month=2, birthday_day__lte=29)
)
BIRTHDAY_VALID = Q(
    birthday_month__isnull=True,
    birthday_day__isnull=True,
    birthday_year__isnull=True,
    birthday_leap=False,
) | (
    Q(
        birthday_month__isnull=False,
        birthday_day__isnull=False,
        birthday_month__gte=1,
        birthday_month__lte=12,
        birthday_day__gte=1,
    )
    & (Q(birthday_year__isnull=True) | Q(birthday_year__gte=1, birthday_year__lte=9999))
    & (
        (Q(birthday_calendar="solar", birthday_leap=False) & _SOLAR_DAY)
        | Q(birthday_calendar="lunar", birthday_day__lte=30)
    )
)


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_customerstats_from_analytics")]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="birthday_month",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="birthday month"
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="birthday_day",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="birthday day"
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="birthday_year",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="year of birth"
            ),
        ),
        migrations.AddField(
            model_name="customer",
            name="birthday_leap",
            field=models.BooleanField(default=False, verbose_name="leap month"),
        ),
        migrations.RunPython(split_birthdays, join_birthdays, elidable=False),
        migrations.RemoveField(model_name="customer", name="birthday"),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.CheckConstraint(
                condition=BIRTHDAY_VALID, name="customer_birthday_valid"
            ),
        ),
    ]
