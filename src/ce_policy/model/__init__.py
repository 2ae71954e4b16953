"""What goes in and comes out: records, activities, histories, decisions, exact hours, errors, record files.

The bottom layer: its modules import nothing of ``ce_policy`` but one another, so every other package may use
them. One exception, by design: ``Decision.explain()`` loads ``text/`` when it is called, never when this
package loads. Internal: import the public names from ``ce_policy``.
"""
