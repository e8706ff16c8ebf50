"""Allow `python -m studyapp`."""

from studyapp.cli import main

if __name__ == "__main__":  # not when a second process of ours imports this module again
    main()
