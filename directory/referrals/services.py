"""Referrals: write the prescription, choose from the ranking, move through the lifecycle,
report back. Takes the session; the caller commits."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import false, select, update
from sqlalchemy.orm import Session, object_session
from werkzeug.exceptions import Forbidden

from directory.accounts.models import Role, User
from directory.claims.services import claimed_ids, request_link
from directory.db import utcnow
from directory.errors import Conflict, InvalidInput
from directory.matches.services import MatchAnswer
from directory.notifications import events
from directory.referrals import conversation, ranking
from directory.referrals.capacity import has_room
from directory.referrals.models import (
    TRAINER_READS,
    ConcernStatus,
    Delivery,
    Referral,
    ReferralEvent,
    ReferralStatus,
    ReferralUpdate,
    UpdateKind,
)
from directory.search.snapshot import Snapshot
from directory.trainers.models import Trainer, TrainerStatus
from matching.gates import AT_CAPACITY
from matching.heart_rate import (
    blunting_medications,
    percent_of_reserve,
    predicted_max,
    rpe_band,
    rpe_class,
    rpe_span,
    target_range,
)
from matching.screening import Clearance, Intensity, Screening, StartingIntensity, screen
from matching.types import DeliveryMode

S = ReferralStatus
DOCTOR, TRAINER = frozenset({Role.DOCTOR}), frozenset({Role.TRAINER})
# Who may move a referral from one status to another; nothing else is allowed.
TRANSITIONS: dict[tuple[ReferralStatus, ReferralStatus], frozenset[Role]] = {
    (S.DRAFT, S.SENT): DOCTOR,
    (S.DRAFT, S.CANCELLED): DOCTOR,
    (S.SENT, S.ACCEPTED): TRAINER,
    (S.SENT, S.DECLINED): TRAINER,
    (S.SENT, S.CANCELLED): DOCTOR,
    (S.SENT, S.SENT): DOCTOR,  # past the next trainer, when this one has not opened it
    (S.DECLINED, S.SENT): DOCTOR,  # to the next trainer on the short list
    (S.DECLINED, S.CANCELLED): DOCTOR,
    (S.ACCEPTED, S.IN_PROGRESS): TRAINER,  # once the initial assessment is recorded
    (S.ACCEPTED, S.CANCELLED): DOCTOR,
    (S.IN_PROGRESS, S.COMPLETED): DOCTOR | TRAINER,
    (S.IN_PROGRESS, S.CANCELLED): DOCTOR,
}
# % of maximum heart rate where each intensity class starts, and where it starts in %HRR.
HRMAX_TO_RESERVE = ((96, 90), (77, 60), (64, 40), (57, 30))
SELF_RANKED = 100  # a patient may ask any suitable trainer their search showed
PREFERENCES_FOR_SELF = {"max_distance": 50.0, "modes": list(DeliveryMode), "budget": None,
                        "languages": [], "accessibility": []}
# Borg RPE to start at, by the screening's starting intensity.
STARTING_RPE = {StartingIntensity.LIGHT: (9, 11), StartingIntensity.LIGHT_TO_MODERATE: (9, 13),
                StartingIntensity.MODERATE: (12, 13), StartingIntensity.VIGOROUS: (14, 17)}


def create_referral(session: Session, doctor: User, data: dict, snapshot: Snapshot,
                    today: date) -> Referral:
    """Write the referral as a draft with the ranking it chose from; send it if asked."""
    patient, prescription = data["patient"], dict(data["prescription"])
    age = _age(patient, today)
    blunting = _blunting(data)
    answer = _rank(session, data, snapshot, today)
    account = _patient_account(session, patient["account_email"])
    shortlist = _checked_shortlist(data["shortlist"], answer)
    prescription["intensity"] = intensity_targets(prescription["intensity"], age, blunting)
    check_clearance(prescription["clearance"], prescription["intensity"])
    preferences = {**data["preferences"],
                   "modes": [m.value for m in data["preferences"]["modes"]],
                   "accessibility": [a.value for a in data["preferences"]["accessibility"]]}
    referral = Referral(
        doctor_id=doctor.id, patient_user_id=account.id if account else None,
        patient_name=patient["name"], patient_birth_date=patient["birth_date"],
        patient_age=age, patient_email=patient["email"], patient_phone=patient["phone"],
        patient_place=answer.request.place.label,
        conditions=sorted(answer.request.condition_ids), medications=data["medications"],
        heart_rate_blunted=bool(blunting), prescription=_json(prescription),
        preferences=preferences, min_level=data["min_level"],
        report_every_weeks=prescription["report_every_weeks"],
        ranking=ranking.stored(answer), shortlist=shortlist, status=S.DRAFT,
        status_changed_at=utcnow())
    if data["send"] and not shortlist:
        raise InvalidInput({"shortlist": ["Choose at least one trainer to send it to."]})
    session.add(referral)
    _record(referral, None, S.DRAFT, doctor)
    if data["send"]:
        transition(session, referral, doctor, S.SENT)
    session.flush()
    return referral


def create_self_referral(session: Session, patient: User, data: dict, snapshot: Snapshot,
                         today: date) -> Referral:
    """A patient asks a suitable trainer directly, carrying their screening's advice."""
    answers = Screening(**data["screening"])
    advice = screen(answers)
    if advice.medical_clearance is Clearance.DISCONTINUE_AND_SEEK:
        raise InvalidInput({"screening": [advice.explanation]})
    answer = ranking.rank(session, snapshot, today, data["patient"]["place"],
                          data["conditions"], PREFERENCES_FOR_SELF, limit=SELF_RANKED)
    if data["trainer_id"] not in answer.ranked_ids():
        reasons = answer.exclusion_reasons().get(data["trainer_id"])
        raise InvalidInput({"trainer_id": [
            f"This trainer cannot take you on ({'; '.join(reasons)}): choose another."
            if reasons else "This trainer is not among those suited to you nearby: "
            "choose one from your search results."]})
    low, high = STARTING_RPE[advice.recommended_intensity]
    referral = Referral(
        doctor_id=None, patient_user_id=patient.id, patient_name=data["patient"]["name"],
        patient_birth_date=data["patient"]["birth_date"],
        patient_age=_age(data["patient"], today), patient_email=patient.email,
        patient_phone=data["patient"]["phone"], patient_place=answer.request.place.label,
        conditions=sorted(answer.request.condition_ids), medications=[],
        ranking=ranking.stored(answer), shortlist=[data["trainer_id"]],
        screening={**{k: getattr(answers, k) for k in ("exercises_regularly", "known_disease",
                                                      "symptoms")},
                   "desired_intensity": answers.desired_intensity.value,
                   "medical_clearance": advice.medical_clearance.value,
                   "recommended_intensity": advice.recommended_intensity.value,
                   "explanation": advice.explanation},
        prescription={"goals": data["goals"], "avoid": [],
                      "clearance": {"given": False, "up_to": None},
                      "intensity": {"method": "rpe", "rpe_low": low, "rpe_high": high,
                                    "heart_rate_low": None, "intensity_class": advice
                                    .recommended_intensity.value,
                                    "note": "Self-referral: start as the screening advises."}},
        preferences={}, report_every_weeks=4, status=S.DRAFT, status_changed_at=utcnow())
    session.add(referral)
    _record(referral, None, S.DRAFT, patient)
    transition(session, referral, patient, S.SENT)
    return referral


def preview(session: Session, data: dict, snapshot: Snapshot, today: date) -> dict:
    """What the doctor sees before choosing: the ranking and the intensity targets."""
    _patient_account(session, data["patient"]["account_email"])  # refused now, not later
    age = _age(data["patient"], today)
    targets = intensity_targets(data["prescription"]["intensity"], age, _blunting(data))
    answer = _rank(session, data, snapshot, today)
    return {"ranking": ranking.stored(answer), "intensity": targets, "age": age,
            "reach": reach(session, answer.ranked_ids()),
            "clearance_problem": clearance_problem(data["prescription"]["clearance"], targets)}


def intensity_targets(spec: dict, age: int, blunting: list[str]) -> dict:
    """Heart-rate and RPE targets for the prescription; RPE alone when a medication
    blunts the heart-rate response."""
    maximum = spec["measured_max_heart_rate"] or predicted_max(age, spec["max_formula"])
    resting = spec["resting_heart_rate"]
    if resting is not None and resting >= maximum:
        raise InvalidInput({"prescription": {"intensity": {"resting_heart_rate": [
            f"A resting heart rate of {resting} is not below the maximum of "
            f"{maximum:.0f}."]}}})
    targets = {"method": spec["method"], "maximum_heart_rate": round(maximum),
               "max_formula": None if spec["measured_max_heart_rate"] else
               spec["max_formula"].value, "resting_heart_rate": resting,
               "percent_low": None, "percent_high": None,
               "heart_rate_low": None, "heart_rate_high": None, "note": None}
    if spec["method"] == "heart_rate_reserve" and resting is None and not blunting:
        raise InvalidInput({"prescription": {"intensity": {"resting_heart_rate": [
            "The heart-rate reserve needs the resting heart rate."]}}})
    if spec["method"] == "heart_rate_reserve":
        targets.update(percent_low=spec["percent_low"], percent_high=spec["percent_high"])
    if spec["method"] == "heart_rate_reserve" and resting is not None:
        targets["heart_rate_low"], targets["heart_rate_high"] = target_range(
            resting, maximum, spec["percent_low"], spec["percent_high"])
    elif spec["method"] == "heart_rate":
        _check_entered(spec, maximum)
        targets["heart_rate_low"], targets["heart_rate_high"] = (spec["heart_rate_low"],
                                                                 spec["heart_rate_high"])
    rpe = (spec["rpe_low"], spec["rpe_high"])
    if None in rpe:
        rpe = rpe_band(*_percent_band(spec, resting, maximum))
    targets["rpe_low"], targets["rpe_high"] = rpe
    targets["intensity_class"] = rpe_span(*rpe)
    if blunting:
        # Heart rate no longer tracks effort: the targets would mislead, so they go.
        targets.update(method="rpe", heart_rate_low=None, heart_rate_high=None,
                       note=f"RPE replaces heart-rate targets: {', '.join(blunting)} "
                            "blunts the heart-rate response.")
    return targets


def check_clearance(clearance: dict, targets: dict) -> None:
    """Refuse a prescription harder than the medical clearance covers, unless the doctor
    records why it is right (the reason goes with the prescription to the trainer)."""
    if problem := clearance_problem(clearance, targets):
        raise InvalidInput({"prescription": {"intensity": [problem]}})


def clearance_problem(clearance: dict, targets: dict) -> str | None:
    """Why the targets go beyond the clearance without a recorded reason, if they do."""
    limit = clearance["up_to"]
    top = Intensity(rpe_class(targets["rpe_high"]))
    if not clearance["given"] or limit is None or not top.exceeds(limit) \
            or clearance["override_reason"]:
        return None
    band = f"RPE {targets['rpe_low']}-{targets['rpe_high']}"
    if targets["percent_low"] is not None:
        band += (f", {targets['percent_low']:g}-{targets['percent_high']:g}% of the "
                 "heart-rate reserve")
    return (f"This prescription reaches {top.value} intensity ({band}), beyond the medical "
            f"clearance, which covers up to {limit.value}. Lower the intensity, or say why "
            "it is safe in the clearance's override reason.")


def transition(session: Session, referral: Referral, user: User, to: ReferralStatus,
               reason: str | None = None, trainer_id: int | None = None) -> Referral:
    """Move the referral, if this status change is allowed and this role may make it."""
    allowed = TRANSITIONS.get((referral.status, to))
    if allowed is None:
        onward = sorted(t.value for (f, t) in TRANSITIONS if f is referral.status)
        raise Conflict(f"A {referral.status.value} referral cannot become {to.value}; "
                       + (f"it can become {', '.join(onward)}." if onward else
                          "it is closed."))
    # On a self-referral the patient stands where the doctor would.
    role = Role.DOCTOR if referral.self_referral and referral.patient_user_id == user.id \
        else user.role
    if role not in allowed:
        who = " or ".join(f"the {r.value}" for r in sorted(allowed))
        raise Forbidden(f"Only {who} may make a referral {to.value}.")
    if to is S.DECLINED and not reason:
        raise InvalidInput({"reason": ["Say why the referral is declined."]})
    passed_over = None
    if to is S.SENT and referral.status is S.SENT:
        _check_unopened(referral, utcnow())
        passed_over = referral.trainer_id
    if to is S.SENT:
        referral.trainer_id = _addressee(referral, trainer_id, passed_over)
    if to is S.IN_PROGRESS and not any(u.kind is UpdateKind.ASSESSMENT for u in referral.updates):
        raise Conflict("Record the initial assessment first (an update of kind assessment).")
    _claim(session, referral, to)
    if passed_over is not None:  # the event names the trainer it left, for the short list
        reason = reason or f"not opened within {unopened_days()} days"
    _record(referral, referral.status, to, user, reason, passed_over)
    referral.status, referral.status_changed_at = to, utcnow()
    session.flush()
    events.referral_moved(session, referral)
    if to is S.SENT:
        _deliver(session, referral)
    return referral


def _deliver(session: Session, referral: Referral) -> None:
    """Get a sent referral to its trainer, and note how: to their account (which
    referral_moved emailed), else by a link to claim their profile at the profile's
    email, else not at all (the doctor is shown so, and the letter is the way)."""
    channel = reach(session, [referral.trainer_id])[referral.trainer_id]
    if channel is Delivery.EMAIL:
        request_link(session, session.get(Trainer, referral.trainer_id),
                     referral_id=referral.id)
    referral.delivered_by, referral.delivered_at = channel.value, utcnow()
    referral.opened_at = None


def reach(session: Session, trainer_ids: list[int]) -> dict[int, Delivery]:
    """How a referral would get to each trainer: their account if one claimed the
    profile, else a claim link to the profile's email, else not online. A profile whose
    account was deactivated cannot be claimed again: only the letter reaches it."""
    claimed, reachable = (claimed_ids(session, trainer_ids),
                          claimed_ids(session, trainer_ids, open_only=True))
    emails = dict(session.execute(select(Trainer.id, Trainer.email).where(
        Trainer.id.in_(trainer_ids))).all())
    return {trainer_id: Delivery.ACCOUNT if trainer_id in reachable else
            Delivery.EMAIL if emails.get(trainer_id) and trainer_id not in claimed
            else Delivery.UNDELIVERABLE for trainer_id in trainer_ids}


def note_opened(referral: Referral, viewer: User) -> bool:
    """Record the addressed trainer's first look; whether this was it."""
    if referral.opened_at is None and viewer.role is Role.TRAINER \
            and viewer.trainer_id == referral.trainer_id:
        referral.opened_at = utcnow()
        return True
    return False


def _claim(session: Session, referral: Referral, to: ReferralStatus) -> None:
    """Move the stored status only if nobody moved it since we read it: a doctor's cancel
    and a trainer's accept at the same moment cannot both succeed."""
    if referral.id is None:
        return  # not stored yet: nobody else can see it
    table = Referral.__table__
    moved = session.execute(update(table).where(
        table.c.id == referral.id, table.c.status == referral.status).values(status=to))
    if moved.rowcount == 0:
        raise Conflict("The referral changed meanwhile; reload it and try again.")


def add_update(session: Session, referral: Referral, user: User, data: dict) -> ReferralUpdate:
    """The trainer's report: the initial assessment starts the work; progress follows."""
    kind = data["kind"]
    if kind is UpdateKind.ASSESSMENT and referral.status not in (S.ACCEPTED, S.IN_PROGRESS):
        raise Conflict(f"An assessment needs an accepted referral; this one is "
                       f"{referral.status.value}.")
    if kind is UpdateKind.PROGRESS and referral.status is not S.IN_PROGRESS:
        raise Conflict(f"Progress is reported on a referral in progress; this one is "
                       f"{referral.status.value}.")
    if kind is UpdateKind.ASSESSMENT and needs_clearance(referral) \
            and not data["clearance_confirmed"]:
        raise InvalidInput({"clearance_confirmed": [
            "The patient's screening recommends medical clearance before exercise: see it "
            "and confirm before the first assessment."]})
    update = ReferralUpdate(trainer_id=user.trainer_id, **data,
                            concern_status=ConcernStatus.OPEN if data["concern"] else None)
    referral.updates.append(update)
    session.flush()
    if update.concern:
        events.concern_reported(session, referral)
    else:
        conversation.clear_concerns(session, referral, update, user)
    if referral.status is S.ACCEPTED:
        transition(session, referral, user, S.IN_PROGRESS)
    return update


def visible_referrals(user: User):
    """The referrals this account may read, newest first."""
    query = select(Referral).order_by(Referral.id.desc())
    if user.role is Role.ADMIN:
        return query
    if user.role is Role.DOCTOR:
        return query.where(Referral.doctor_id == user.id)
    if user.role is Role.TRAINER:
        if user.trainer_id is None:  # an account not yet linked to a profile
            return query.where(false())
        accepted = select(ReferralEvent.id).where(
            ReferralEvent.referral_id == Referral.id,
            ReferralEvent.to_status == S.ACCEPTED).exists()
        return query.where(Referral.trainer_id == user.trainer_id,
                           Referral.status.in_(TRAINER_READS)  # as readable_by_addressee
                           | ((Referral.status == S.CANCELLED) & accepted))
    return query.where(Referral.patient_user_id == user.id)


def needs_clearance(referral: Referral) -> bool:
    """A self-referral whose screening says to see a doctor before starting."""
    return bool(referral.screening) and \
        referral.screening["medical_clearance"] == Clearance.RECOMMENDED.value


def next_on_shortlist(referral: Referral, passing_over: int | None = None) -> int | None:
    """The first on the short list who has neither declined it nor let it lie unopened
    (a sent-to-sent event names the trainer it passed over), nor is `passing_over`."""
    passed = {e.trainer_id for e in referral.events if e.to_status is S.DECLINED
              or (e.from_status is S.SENT and e.to_status is S.SENT)} | {passing_over}
    return next((t for t in referral.shortlist if t not in passed), None)


def unopened_days() -> int:
    return current_app.config["REFERRAL_UNOPENED_DAYS"]


def unopened_too_long(referral: Referral, now: datetime) -> bool:
    """Sent, and not opened by its trainer within REFERRAL_UNOPENED_DAYS."""
    return (referral.status is S.SENT and referral.delivered_at is not None
            and referral.opened_at is None
            and referral.delivered_at < now - timedelta(days=unopened_days()))


def _check_unopened(referral: Referral, now: datetime) -> None:
    if not unopened_too_long(referral, now):
        raise Conflict(f"The trainer has had this referral for less than {unopened_days()} "
                       "days, or opened it: wait for their answer, or cancel it.")


def report_overdue(referral: Referral, today: date) -> bool:
    due = referral.report_due_on()
    return due is not None and due < today


def _rank(session: Session, data: dict, snapshot: Snapshot, today: date):
    """The ranking for a doctor's referral form (ReferralCreateSchema's data)."""
    return ranking.rank(session, snapshot, today, data["patient"]["place"],
                        data["conditions"], data["preferences"], data["min_level"],
                        data["prescription"]["avoid"])


def _blunting(data: dict) -> list[str]:
    """What blunts this patient's heart-rate response: recognised drugs, or the doctor's
    word for one the list does not know."""
    found = blunting_medications(data["medications"])
    if data.get("heart_rate_blunted") and not found:
        found = ["a medication the doctor named"]
    return found


def _checked_shortlist(shortlist: list[int], answer: MatchAnswer) -> list[int]:
    ranked, excluded = answer.ranked_ids(), answer.exclusion_reasons()
    errors = {index: [_not_recommended(trainer_id, excluded.get(trainer_id))]
              for index, trainer_id in enumerate(shortlist) if trainer_id not in ranked}
    if len(set(shortlist)) != len(shortlist):
        errors.setdefault(len(shortlist) - 1, []).append("A trainer is listed twice.")
    if errors:
        raise InvalidInput({"shortlist": errors})
    return list(shortlist)


def _not_recommended(trainer_id: int, reasons: list[str] | None) -> str:
    if reasons:  # the ranking says why: at capacity, out of reach ...
        return f"Trainer {trainer_id} cannot take this referral: {'; '.join(reasons)}."
    return f"Trainer {trainer_id} is not among the recommended trainers."


def _addressee(referral: Referral, trainer_id: int | None,
               passed_over: int | None = None) -> int:
    # Named, a trainer who declined may be asked again (after a call, say); by default
    # the next on the short list who has not declined (nor is being passed over) is.
    chosen = trainer_id or next_on_shortlist(referral, passed_over)
    if chosen is None:
        raise InvalidInput({"trainer_id": [
            "No trainer is left on the short list: choose one from the ranking."]})
    ranked = {m["trainer"]["id"] for m in referral.ranking["matches"]}
    if chosen not in ranked:
        raise InvalidInput({"trainer_id": [
            f"Trainer {chosen} is not among the recommended trainers."]})
    session = object_session(referral)
    # Locked until the commit: two referrals sent at once cannot both take the last place.
    # (FOR NO KEY UPDATE: an import adding the trainer a credential does not hold it up.)
    trainer = session.scalar(select(Trainer).where(Trainer.id == chosen)
                             .with_for_update(key_share=True))
    if trainer is None or trainer.status is not TrainerStatus.ACTIVE \
            or not trainer.accepting_new_clients:
        raise InvalidInput({"trainer_id": [
            f"Trainer {chosen} is no longer taking new clients: choose another."]})
    if not has_room(session, trainer, utcnow()):
        raise InvalidInput({"trainer_id": [
            f"Trainer {chosen} cannot take this referral: {AT_CAPACITY}."]})
    if chosen not in referral.shortlist:
        referral.shortlist = [*referral.shortlist, chosen]
    return chosen


def _patient_account(session: Session, email: str | None) -> User | None:
    if email is None:
        return None
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or user.role is not Role.PATIENT:
        raise InvalidInput({"patient": {"account_email": [
            "No patient account has this email; leave it out, or ask the patient to "
            "register first."]}})
    return user


def _record(referral: Referral, before, after: ReferralStatus, user: User,
            reason: str | None = None, trainer_id: int | None = None) -> None:
    referral.events.append(ReferralEvent(
        from_status=before, to_status=after, actor_id=user.id, actor_role=user.role.value,
        trainer_id=trainer_id or referral.trainer_id, reason=reason))


def _age(patient: dict, today: date) -> int:
    born = patient["birth_date"]
    if born is None:
        return patient["age"]
    if born >= today:
        raise InvalidInput({"patient": {"birth_date": ["The date of birth is not in the past."]}})
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not 1 <= age <= 120:
        raise InvalidInput({"patient": {"birth_date": [
            f"That date of birth makes the patient {age}; ReferFit refers people aged 1-120."]}})
    return age


def _check_entered(spec: dict, maximum: float) -> None:
    shown = round(maximum)  # compared as shown, so 165 is never "above the maximum of 165"
    if spec["heart_rate_high"] > shown:
        raise InvalidInput({"prescription": {"intensity": {"heart_rate_high": [
            f"{spec['heart_rate_high']} is above the predicted maximum of {shown}."]}}})
    if spec["resting_heart_rate"] is not None and \
            spec["heart_rate_low"] <= spec["resting_heart_rate"]:
        raise InvalidInput({"prescription": {"intensity": {"heart_rate_low": [
            "The target must be above the resting heart rate."]}}})


def _percent_band(spec: dict, resting, maximum: float) -> tuple[float, float]:
    """The prescribed band as % of heart-rate reserve, for its RPE band."""
    if spec["method"] != "heart_rate":
        return spec["percent_low"], spec["percent_high"]
    rates = (spec["heart_rate_low"], spec["heart_rate_high"])
    if resting is not None:
        return tuple(percent_of_reserve(rate, resting, maximum) for rate in rates)
    # No resting rate: read the class from % of maximum (ACSM: moderate 64-76% HRmax
    # is 40-59% HRR), at the bottom of the reserve band that class covers.
    return tuple(next((reserve for bottom, reserve in HRMAX_TO_RESERVE
                       if 100 * rate / maximum >= bottom), 0) for rate in rates)


def _json(prescription: dict) -> dict:
    """The prescription as stored; its reporting interval is the referral's own column."""
    clearance = prescription["clearance"]
    kept = {k: v for k, v in prescription.items() if k != "report_every_weeks"}
    return {**kept, "clearance": {
        "given": clearance["given"],
        "up_to": clearance["up_to"].value if clearance["up_to"] else None,
        "override_reason": clearance["override_reason"]}}
