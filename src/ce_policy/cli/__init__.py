"""The ``ce-policy`` command: its subcommands, and the file readers and writers only they use.

The top layer: may import every other package, and none imports it. The only package that imports ``click``
and ``tqdm``. A subcommand's module loads when that subcommand runs.
"""
