"""The municipality support brief: one municipality's indicators, barriers, hint cards,
consultations and visit records, composed as values (``model``/``compose``) and rendered as
plain text or Markdown (``text``) and as an A4 PDF (``pdf``). Slack-free: the Block Kit
rendering lives in ``bot.slack.brief_views``."""
