"""studyapp's terminal UI (Textual). The only package that imports textual.

Start it with `studyapp.ui.app.run_app(collection)`; tests build it with `make_app`.
"""
