from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    STAFF = "staff", _("Staff")
    AGENT = "agent", _("Agent")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.STAFF)
    upline = models.ForeignKey(
        "self",
        verbose_name=_("upline agent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="downline",
    )
    # Materialised path of user ids from the top of the agent tree, e.g. "/3/8/": a branch is
    # everyone whose path starts with an agent's path, one indexed prefix query on both databases.
    tree_path = models.CharField(
        max_length=255, blank=True, default="", db_index=True, editable=False
    )

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.OWNER, Role.STAFF)

    def clean(self) -> None:
        super().clean()
        if self.upline_id is not None:
            if self.role != Role.AGENT:
                raise ValidationError({"upline": _("Only agents have an upline.")})
            upline = self.upline
            assert upline is not None
            if upline.role != Role.AGENT:
                raise ValidationError({"upline": _("The upline must be an agent.")})
            if self.pk and (upline.pk == self.pk or upline.is_in_branch_of(self)):
                raise ValidationError(
                    {"upline": _("An agent cannot sit below their own downline.")}
                )

    def compute_tree_path(self) -> str:
        base = self.upline.tree_path if self.upline_id and self.upline else "/"
        return f"{base}{self.pk}/"

    def save(self, *args: object, **kwargs: object) -> None:
        with transaction.atomic():
            super().save(*args, **kwargs)  # type: ignore[arg-type]
            new_path = self.compute_tree_path()
            if new_path != self.tree_path:
                old_path, self.tree_path = self.tree_path, new_path
                User.objects.filter(pk=self.pk).update(tree_path=new_path)
                if old_path:
                    # The whole downline moves with its agent.
                    for member in User.objects.filter(tree_path__startswith=old_path).exclude(
                        pk=self.pk
                    ):
                        member.tree_path = new_path + member.tree_path[len(old_path) :]
                        User.objects.filter(pk=member.pk).update(tree_path=member.tree_path)

    def branch_q(self, prefix: str = "") -> models.Q:
        """This agent's branch (the agent and every agent below them, recursively) as a filter
        on a user, or on the user a relation reaches through `prefix` (e.g. "owner__")."""
        return models.Q(**{f"{prefix}tree_path__startswith": self.tree_path})

    def branch(self) -> models.QuerySet[User]:
        return User.objects.filter(self.branch_q())

    def is_in_branch_of(self, head: User) -> bool:
        """The rule of `branch_q` for one user in memory: `head` or below them."""
        return self.tree_path.startswith(head.tree_path)


class ApiToken(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=64, blank=True)
    # Only a hash is stored: a leaked database does not leak working tokens.
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField(default=timezone.now)
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @staticmethod
    def hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        key = "yt_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, key_hash=cls.hash(key), prefix=key[:8])
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        token = (
            cls.objects.select_related("user")
            .filter(key_hash=cls.hash(key), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        now = timezone.now()
        if token.last_used is None or (now - token.last_used).total_seconds() > 60:
            token.last_used = now
            token.save(update_fields=["last_used"])
        return token.user
