"""durable-rules behind one door: compiling policies to rulesets, running them, remembering what fired.

``compiler`` turns a policy into plain durable-rules JSON; ``rules_engine`` is the one module that imports
``durable``; ``firings`` collects what fired in one session; ``memo`` remembers what fired in each situation.
May import ``policy/`` and ``model/``; knows nothing of decisions. Internal.
"""
