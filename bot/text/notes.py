"""Fixed wording shown with data, defined once for every package that shows it.

Low in the layers (no imports) so that the indicator answers, the survey digests and the
Slack renderers all read the same mark.
"""

from __future__ import annotations

SAMPLE_NOTE = "※サンプルデータ（架空の値）"  # marks made-up demo values wherever they are shown
