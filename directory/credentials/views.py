from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from directory.accounts.permissions import Permission, requires
from directory.credentials import services
from directory.credentials.models import Certification, Credential
from directory.credentials.schemas import (
    CertificationSchema,
    CredentialInputSchema,
    CredentialSchema,
    CredentialUpdateSchema,
)
from directory.extensions import db
from directory.trainers.views import get_trainer
from directory.urls import db_id

blp = Blueprint("certifications", __name__, url_prefix="/api/v1/certifications",
                description="The certification catalog.")
credentials_blp = Blueprint("credentials", __name__, url_prefix="/api/v1",
                            description="Trainers' credentials (curators).")


@blp.route("")
class Certifications(MethodView):
    @requires(Permission.VIEW_DIRECTORY)
    @blp.response(200, CertificationSchema(many=True))
    def get(self):
        """List every certification in the catalog."""
        return db.session.scalars(select(Certification).order_by(Certification.code))


@credentials_blp.route(f"/trainers/{db_id('trainer_id')}/credentials")
class TrainerCredentials(MethodView):
    @requires(Permission.MANAGE_CREDENTIALS)
    @credentials_blp.arguments(CredentialInputSchema)
    @credentials_blp.response(201, CredentialSchema)
    def post(self, data, trainer_id):
        """Add a credential to a trainer."""
        trainer = get_trainer(trainer_id, Permission.MANAGE_CREDENTIALS)
        credential = services.add_credential(db.session, trainer, data)
        db.session.commit()
        return credential


@credentials_blp.route(f"/credentials/{db_id('credential_id')}")
class CredentialById(MethodView):
    @requires(Permission.MANAGE_CREDENTIALS)
    @credentials_blp.arguments(CredentialUpdateSchema)
    @credentials_blp.response(200, CredentialSchema)
    def patch(self, changes, credential_id):
        """Verify, revoke or correct a credential."""
        credential = db.session.get(Credential, credential_id)
        if credential is None:
            abort(404, message=f"There is no credential with id {credential_id}.")
        services.update_credential(db.session, credential, changes)
        db.session.commit()
        return credential
