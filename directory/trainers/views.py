from flask.views import MethodView
from flask_smorest import Blueprint

from directory.extensions import db
from directory.trainers import services
from directory.trainers.models import Trainer
from directory.trainers.schemas import (
    PageArgsSchema,
    TrainerCreateSchema,
    TrainerPageSchema,
    TrainerSchema,
    TrainerUpdateSchema,
)

blp = Blueprint("trainers", __name__, url_prefix="/api/v1/trainers",
                description="The trainer directory.")


def get_trainer(trainer_id: int) -> Trainer:
    return db.get_or_404(Trainer, trainer_id,
                         description=f"There is no trainer with id {trainer_id}.")


@blp.route("")
class Trainers(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, TrainerPageSchema)
    def get(self, args):
        """List active trainers, a page at a time."""
        page = db.paginate(services.list_trainers_query(), page=args["page"],
                           per_page=args["page_size"], error_out=False, count=True)
        return {"items": page.items, "total": page.total, "page": page.page,
                "page_size": page.per_page, "pages": page.pages}

    @blp.arguments(TrainerCreateSchema)
    @blp.response(201, TrainerSchema)
    def post(self, data):
        """Add a trainer, with credentials and condition experience."""
        trainer = services.create_trainer(db.session, data)
        db.session.commit()
        return trainer


# Ids beyond a 32-bit integer cannot exist; the cap turns them into a plain 404.
@blp.route("/<int(max=2147483647):trainer_id>")
class TrainerById(MethodView):
    @blp.response(200, TrainerSchema)
    def get(self, trainer_id):
        """Get one trainer with credentials and condition experience."""
        return get_trainer(trainer_id)

    @blp.arguments(TrainerUpdateSchema)
    @blp.response(200, TrainerSchema)
    def patch(self, changes, trainer_id):
        """Change some of a trainer's fields."""
        trainer = services.update_trainer(db.session, get_trainer(trainer_id), changes)
        db.session.commit()
        return trainer

    @blp.response(204)
    def delete(self, trainer_id):
        """Deactivate a trainer; nothing is destroyed and PATCH can reactivate."""
        services.deactivate_trainer(db.session, get_trainer(trainer_id))
        db.session.commit()
