"""Who may do what: the one place every view asks.

Each permission maps to a rule over the user (an account or anonymous) and, where the
answer depends on it, the object. Views call `authorize`; nothing else checks roles.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from flask import g
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from directory.accounts.models import Role
from directory.trainers.models import Trainer, TrainerStatus

STAFF = {Role.CURATOR, Role.ADMIN}


class Permission(StrEnum):
    VIEW_DIRECTORY = "view_directory"  # search, public profiles, catalogs, geocoding
    VIEW_TRAINER = "view_trainer"
    CREATE_TRAINER = "create_trainer"
    EDIT_TRAINER_PROFILE = "edit_trainer_profile"  # descriptive fields
    EDIT_TRAINER_RECORD = "edit_trainer_record"  # names and status: curators only
    DEACTIVATE_TRAINER = "deactivate_trainer"
    MANAGE_CREDENTIALS = "manage_credentials"  # and the expiry and correction queues
    MANAGE_CATALOGS = "manage_catalogs"  # certifications and conditions
    REQUEST_CORRECTION = "request_correction"  # a trainer, of their own credentials
    USE_TRAINER_WORKSPACE = "use_trainer_workspace"  # /my/profile: trainers' own accounts
    IMPORT_CREDENTIALS = "import_credentials"  # credential lists and their review queue
    MERGE_TRAINERS = "merge_trainers"  # the duplicates queue and merges
    MANAGE_CLAIMS = "manage_claims"  # profile claims from other addresses, invitations
    LINK_TRAINER_ACCOUNT = "link_trainer_account"
    MANAGE_USERS = "manage_users"
    READ_AUDIT_LOG = "read_audit_log"
    READ_OUTBOX = "read_outbox"  # every email the app sent or queued
    USE_ACCOUNT = "use_account"  # one's own account page and API tokens
    CREATE_REFERRAL = "create_referral"
    EDIT_DOCTOR_PROFILE = "edit_doctor_profile"  # a doctor's own practice details
    REFER_ONESELF = "refer_oneself"
    LIST_REFERRALS = "list_referrals"  # each sees only their own (services.visible_referrals)
    VIEW_REFERRAL = "view_referral"
    MOVE_REFERRAL = "move_referral"  # which transition, by role: services.TRANSITIONS
    REPORT_ON_REFERRAL = "report_on_referral"
    TALK_ON_REFERRAL = "talk_on_referral"  # its parties write to each other; admins read
    ACKNOWLEDGE_CONCERN = "acknowledge_concern"
    RESOLVE_CONCERN = "resolve_concern"
    SEE_REFERRAL_RANKING = "see_referral_ranking"  # other trainers' scores: referrer, admin


def _anyone(_user, _obj=None) -> bool:
    return True


def _signed_in(user, _obj=None) -> bool:
    return user.is_authenticated


def _role(*roles: Role) -> Callable:
    def rule(user, _obj=None) -> bool:
        return user.is_authenticated and user.role in roles
    return rule


def _owns_trainer(user, trainer: Trainer) -> bool:
    return user.is_authenticated and user.role is Role.TRAINER and user.trainer_id == trainer.id


def _may_view_trainer(user, trainer: Trainer) -> bool:
    return (trainer.status is TrainerStatus.ACTIVE or _role(*STAFF)(user)
            or _owns_trainer(user, trainer))


def _may_edit_profile(user, trainer: Trainer) -> bool:
    return _role(*STAFF)(user) or _owns_trainer(user, trainer)


def _refers(user, referral) -> bool:
    """The referring doctor, or the patient who referred themselves."""
    if not user.is_authenticated:
        return False
    if referral.doctor_id is None:
        return user.role is Role.PATIENT and referral.patient_user_id == user.id
    return user.role is Role.DOCTOR and referral.doctor_id == user.id


def _addressed(user, referral) -> bool:
    """The trainer it is addressed to, while it is theirs: not a draft, not once they
    declined, and not once withdrawn before they ever accepted it."""
    return (user.is_authenticated and user.role is Role.TRAINER
            and user.trainer_id is not None and referral.trainer_id == user.trainer_id
            and referral.readable_by_addressee())


def _works_on(user, referral) -> bool:
    """The referrer and the addressed trainer: the two who move it along."""
    return _refers(user, referral) or _addressed(user, referral)


def _party(user, referral) -> bool:
    """The referring doctor, the addressed trainer and the patient."""
    return (_works_on(user, referral)
            or (user.is_authenticated and user.role is Role.PATIENT
                and referral.patient_user_id == user.id))


def _may_read_referral(user, referral) -> bool:
    """Only its parties and admins."""
    return _role(Role.ADMIN)(user) or _party(user, referral)


RULES: dict[Permission, Callable] = {
    Permission.VIEW_DIRECTORY: _anyone,
    Permission.VIEW_TRAINER: _may_view_trainer,
    Permission.CREATE_TRAINER: _role(*STAFF),
    Permission.EDIT_TRAINER_PROFILE: _may_edit_profile,
    Permission.EDIT_TRAINER_RECORD: _role(*STAFF),
    Permission.DEACTIVATE_TRAINER: _role(*STAFF),
    Permission.MANAGE_CREDENTIALS: _role(*STAFF),
    Permission.MANAGE_CATALOGS: _role(*STAFF),
    Permission.REQUEST_CORRECTION: _owns_trainer,
    Permission.USE_TRAINER_WORKSPACE: _role(Role.TRAINER),
    Permission.IMPORT_CREDENTIALS: _role(*STAFF),
    Permission.MERGE_TRAINERS: _role(*STAFF),
    Permission.MANAGE_CLAIMS: _role(*STAFF),
    Permission.LINK_TRAINER_ACCOUNT: _role(*STAFF),
    Permission.MANAGE_USERS: _role(Role.ADMIN),
    Permission.READ_AUDIT_LOG: _role(Role.ADMIN),
    Permission.READ_OUTBOX: _role(Role.ADMIN),
    Permission.USE_ACCOUNT: _signed_in,
    Permission.CREATE_REFERRAL: _role(Role.DOCTOR),
    Permission.EDIT_DOCTOR_PROFILE: _role(Role.DOCTOR),
    Permission.REFER_ONESELF: _role(Role.PATIENT),
    Permission.LIST_REFERRALS: _role(Role.DOCTOR, Role.TRAINER, Role.PATIENT, Role.ADMIN),
    Permission.VIEW_REFERRAL: _may_read_referral,
    Permission.MOVE_REFERRAL: _works_on,
    Permission.REPORT_ON_REFERRAL: _addressed,
    Permission.TALK_ON_REFERRAL: _party,
    Permission.ACKNOWLEDGE_CONCERN: _refers,
    Permission.RESOLVE_CONCERN: _works_on,
    Permission.SEE_REFERRAL_RANKING: lambda user, referral: (
        _role(Role.ADMIN)(user) or (_refers(user, referral) and not referral.self_referral)),
}


def can(permission: Permission, obj=None, user=None) -> bool:
    user = current_user if user is None else user
    return RULES[permission](user, obj)


def authorize(permission: Permission, obj=None) -> None:
    """Let the request go on, or stop it: 401 for strangers, 403 for the wrong account."""
    g.authorized = True  # checked after every request in testing (see security.py)
    if can(permission, obj):
        return
    if not current_user.is_authenticated:
        raise Unauthorized(
            "Sign in, or send an API token as 'Authorization: Bearer <token>'.",
            www_authenticate=WWWAuthenticate("bearer"),
        )
    raise Forbidden("Your account is not allowed to do this.")


def requires(permission: Permission, object_rule: bool = False):
    """Check a permission before the view parses its input.

    With `object_rule`, the answer depends on an object the view loads, so here only
    "signed in at all?" is settled (401 before any 422) and the view calls `authorize`.
    """
    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if object_rule:
                if not current_user.is_authenticated:
                    authorize(Permission.USE_ACCOUNT)
            else:
                authorize(permission)
            return view(*args, **kwargs)
        return wrapper
    return decorator
