"""``python -m akhbar`` is the ``akhbar`` command."""

from akhbar.search.cli import main

if __name__ == "__main__":
    main()
