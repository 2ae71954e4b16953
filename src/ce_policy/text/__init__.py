"""Text in both languages: messages, text views of decisions, explanations, and reports of batches and diffs.

Here are the message table, the text views of decisions and title reviews, the step-by-step explanation, and
the text and HTML reports of batches, diffs and replays. May import every package but ``cli/``. Internal:
``ce_policy.message`` is the public door to the message table.
"""
