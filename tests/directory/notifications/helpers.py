"""Reading the outbox in the notification tests."""

from __future__ import annotations

from sqlalchemy import select

from directory.notifications.models import Message


def messages(session, **where) -> list[Message]:
    session.expire_all()
    query = select(Message).order_by(Message.id)
    for name, value in where.items():
        query = query.where(getattr(Message, name) == value)
    return list(session.scalars(query))
