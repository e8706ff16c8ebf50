from sqlalchemy import false
from studyapp.store.schema import cards
ACTIVE_CARD = (cards.c.suspended == false(), cards.c.retired == false())
