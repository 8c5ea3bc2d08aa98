"""Forms for catalog entries; they carry what was typed, the catalog schemas judge it.

The fields do no validation of their own: the marshmallow schemas that check
data/*.toml check these forms too, so a page and a file can never disagree.
"""

from enum import StrEnum

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from directory.conditions.models import ConditionCategory
from matching.types import CredentialLevel, RiskTier


class LinesField(TextAreaField):
    """A list of strings, edited one per line; blank lines are dropped."""

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = [line.strip() for line in valuelist[0].splitlines() if line.strip()]

    def _value(self) -> str:
        return "\n".join(self.data or [])


def choice_field(label: str, enum: type[StrEnum], prompt: str) -> SelectField:
    # validate_choice=False: an unknown value reaches the schema, which names the
    # allowed ones in its message.
    choices = [SelectChoice("", prompt)] + [SelectChoice(member.value, member.value.capitalize())
                                           for member in enum]
    return SelectField(label, choices=choices, validate_choice=False)


class CatalogEntryForm(FlaskForm):
    def entry(self) -> dict:
        """The typed values as the catalog schema takes them. Blank ones are left out,
        so an optional field takes its default and a required one is reported missing."""
        values = {name: value.strip() if isinstance(value, str) else value
                  for name, value in self.data.items() if name != "csrf_token"}
        return {name: value for name, value in values.items() if value not in ("", None)}


class CertificationForm(CatalogEntryForm):
    code = StringField("Code", description="Capitals, digits and hyphens, e.g. ACSM-CEP.")
    issuer = StringField("Issuer code", description="The certifying body's short code, "
                                                    "e.g. ACSM.")
    issuer_name = StringField("Issuer name")
    name = StringField("Certification name")
    level = choice_field("Level", CredentialLevel, "Choose a level")
    accreditation = StringField("Accreditation (optional)", description="e.g. NCCA.")
    renewal_years = StringField("Renewal period in years (optional)",
                                description="A whole number from 1 to 10.")
    aliases = LinesField("Aliases, one per line",
                         description="Other names issuers' lists use for it; imports map "
                                     "them to this certification.")
    description = TextAreaField("Description (optional)")


class ConditionForm(CatalogEntryForm):
    code = StringField("Code", description="Lower-case letters, digits and hyphens, "
                                           "e.g. type-2-diabetes.")
    name = StringField("Name")
    category = choice_field("Category", ConditionCategory, "Choose a category")
    risk_tier = choice_field("Risk tier", RiskTier, "Choose a risk tier")
    risk_reason = TextAreaField("Why this risk tier (optional)")
    icd10_prefixes = LinesField("ICD-10-CM codes or prefixes, one per line",
                                description="e.g. E11 or I70.2; the most specific "
                                            "prefix wins when codes overlap.")
    synonyms = LinesField("Synonyms, one per line",
                          description="Other names people search and refer by.")
