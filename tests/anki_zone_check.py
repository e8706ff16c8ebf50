"""Run in a child process with TZ (and perhaps faketime) set: build a collection whose cards
are due on days around today, export it, import the package into a fresh Anki collection and
print, per card, how many days ahead studyapp and Anki each put it (JSON on stdout).

A child process because both the Python clock and Anki's Rust one read the zone once."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from anki import collection as anki_collection

from studyapp.config import study_day
from studyapp.store import open_database
from studyapp.transfer.export import write_apkg
from tests.helpers import add_cards

OFFSETS = (-3, -1, 0, 1, 2, 9, 180)


def main(rollover_hour: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="studyapp-zone-"))
    db = open_database(f"sqlite:///{folder / 'study.db'}")
    today = study_day(datetime.now().astimezone(), rollover_hour)
    for offset in OFFSETS:
        add_cards(db, 1, deck="zones", due=today + timedelta(days=offset), interval=5)
    package = folder / "out.apkg"
    write_apkg(db, package, rollover_hour=rollover_hour)
    db.close()
    (folder / "anki").mkdir()
    col = anki_collection.Collection(str(folder / "anki" / "collection.anki2"))
    try:
        col.set_config("rollover", rollover_hour)
        col.import_anki_package(
            anki_collection.ImportAnkiPackageRequest(
                package_path=str(package),
                options=anki_collection.ImportAnkiPackageOptions(with_scheduling=True),
            )
        )
        anki_ahead = {}
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            anki_ahead[card.note()["Id"]] = card.due - col.sched.today
    finally:
        col.close()
    ours = {f"zones-{i:03d}": offset for i, offset in enumerate(OFFSETS)}
    print(
        json.dumps(
            {"ours": ours, "anki": anki_ahead, "now": datetime.now().astimezone().isoformat()}
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]))
