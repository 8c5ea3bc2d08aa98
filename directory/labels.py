"""Words people read for the codes the data stores; one place for every page."""

MODES = {"in_person": "At their facility", "in_home": "At the client's home",
         "virtual": "Online"}
PAYMENT_OPTIONS = {"self_pay": "Self-pay", "hsa_fsa": "HSA/FSA",
                   "employer_benefit": "Employer fitness benefit",
                   "medicare_advantage": "Medicare Advantage fitness benefit"}
LANGUAGES = {"en": "English", "es": "Spanish", "zh": "Chinese", "vi": "Vietnamese",
             "ko": "Korean", "fr": "French", "ar": "Arabic", "ru": "Russian",
             "tl": "Tagalog", "pt": "Portuguese", "hi": "Hindi"}
ACCESSIBILITY = {"step_free_access": "Step-free access",
                 "accessible_restroom": "Accessible restroom",
                 "accessible_parking": "Accessible parking",
                 "adaptive_equipment": "Adaptive equipment", "elevator": "Elevator"}
SAFETY = {"aed_on_site": "AED on site", "cpr_aed_certified": "CPR/AED certified",
          "emergency_action_plan": "Emergency action plan", "first_aid_kit": "First aid kit"}


def size_text(size: int) -> str:
    """A byte count as people read it: 20 MiB, 1.5 MiB, 64 KiB."""
    for unit, scale in (("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def register_labels(app) -> None:
    app.jinja_env.globals["labels"] = {
        "modes": MODES, "payment_options": PAYMENT_OPTIONS, "languages": LANGUAGES,
        "accessibility": ACCESSIBILITY, "safety": SAFETY,
    }
